// Lint is part of `npm test`: typed rules catch unawaited promises, which in a
// payment server mean unacknowledged webhooks and swallowed errors.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importDirection from './scripts/lint/import-direction.js';

/**
 * The dependency direction (docs/decisions/005-common-layer-and-dependency-direction.md). Each
 * top-level folder is a layer; its own folder and packages are always allowed. Tests count as
 * their folder: server/test is server. Files at the root (vite.config.ts …) are not a layer.
 */
const LAYERS = {
  // The contract and what every part shares: it depends on nothing of ours.
  common: { mayImport: ['config'] },
  // Shop configuration data (catalog, brand), read by everyone.
  config: { mayImport: [] },
  client: { mayImport: ['common', 'config'] },
  server: { mayImport: ['common', 'config'] },
  emulator: { mayImport: ['common', 'config'] },
  // What scripts, e2e and server tests share (starting the app, finding Chromium …).
  'test-support': { mayImport: ['common', 'config', 'server', 'emulator'] },
  // The tools and the end-to-end tests drive the app from outside; they share only through test-support.
  scripts: { mayImport: ['common', 'config', 'client', 'server', 'emulator', 'test-support'] },
  e2e: { mayImport: ['common', 'config', 'client', 'server', 'emulator', 'test-support'] },
};

/** The only imports against the direction, each for a reason. */
const IMPORT_EXCEPTIONS = [
  {
    from: 'server/src/main.ts',
    to: 'emulator/src/index',
    dynamicOnly: true,
    why: 'emulated mode runs the emulator in the same process; import() keeps it out of test and live mode, where it is never loaded.',
  },
  {
    from: 'server/test/',
    to: 'emulator/src/index',
    why: 'server tests talk to Stripe through the emulator with the real SDK (docs/security.md), through its public entry only.',
  },
  {
    from: 'server/test/',
    to: 'test-support/',
    why: 'server process tests start the app with the same launcher as e2e, chaos and bench, and take their products from the active or a fixture catalog.',
  },
  {
    from: 'emulator/test/',
    to: 'test-support/browser',
    why: "the emulator's browser tests find Chromium the way e2e does (CHROMIUM_PATH, Debian's, Playwright's).",
  },
  {
    from: 'client/test/',
    to: 'test-support/',
    why: 'client tests read the same active and fixture catalogs as every other test.',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '**/dist/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { local: { rules: { 'import-direction': importDirection } } },
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      'local/import-direction': ['error', { root: import.meta.dirname, layers: LAYERS, exceptions: IMPORT_EXCEPTIONS }],
    },
  },
  {
    // Command-line entry points print for people.
    files: ['scripts/**/*.ts', 'emulator/src/cli.ts', 'server/src/main.ts', 'server/src/seller-cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Plain-JavaScript programs Node runs without tsx (scripts/start.mjs: `npm start` after `npm ci --omit=dev`).
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
);
