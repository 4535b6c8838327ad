import { defineConfig } from 'vitest/config';

// Unit and integration tests for the server and the emulator. Integration tests start
// real HTTPS servers on free ports (port 0), so files can run in parallel.
export default defineConfig({
  test: {
    include: [
      'common/test/**/*.test.ts',
      'server/test/**/*.test.ts',
      'emulator/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'client/test/**/*.test.ts',
    ],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    setupFiles: ['./vitest.setup.ts'],
  },
});
