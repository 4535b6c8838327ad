// The launcher every process test shares (test-support/app-launcher.ts): what the process
// gets is only what the caller passed, its output is read back from its log file, and a
// misuse fails loudly. Starting the real app through it is what the server's process tests,
// the chaos run and the e2e suite do.
import { realpathSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { launchApp, spawnScript, type ScriptProcess } from '../../test-support/app-launcher';

const SCRIPT = 'scripts/test/fixtures/print-environment.ts';
const spawned: ScriptProcess[] = [];
afterEach(() => {
  for (const script of spawned.splice(0)) script.remove();
});

function run(env: Record<string, string>): ScriptProcess {
  const script = spawnScript({ script: SCRIPT, env });
  spawned.push(script);
  return script;
}

describe('spawnScript', () => {
  it('gives the process PATH and the variables passed, nothing from the caller, and a folder of its own', async () => {
    process.env['LAUNCHER_TEST_LEAK'] = 'from the shell';
    try {
      const script = run({ GIVEN: 'yes' });
      expect(await script.exited).toEqual({ code: 0, signal: null });
      const [line] = script.logLines();
      expect(Object.keys(line?.['env'] ?? {}).sort()).toEqual(['GIVEN', 'PATH']);
      expect(line?.['cwd']).toBe(realpathSync(script.dir));
      expect(script.logFile).toBe(`${script.dir}/print-environment.log`);
    } finally {
      delete process.env['LAUNCHER_TEST_LEAK'];
    }
  });

  it('finds a log line, and fails with the output when the process exits without it', async () => {
    const script = run({ EXIT_CODE: '3' });
    expect(await script.waitForLogLine((line) => line['msg'] === 'environment')).toMatchObject({ env: { EXIT_CODE: '3' } });
    await expect(script.waitForLogLine((line) => line['msg'] === 'never', { what: 'a line that never comes' })).rejects.toThrow(
      /exited before it logged a line that never comes\. Its output:\n\{"msg":"environment"/,
    );
    expect(await script.exited).toEqual({ code: 3, signal: null });
  });
});

describe('launchApp', () => {
  it.each(['PORT', 'HTTP_PORT', 'EMULATOR_PORT', 'DATABASE_URL', 'CLIENT_DIST_DIR'])(
    'refuses %s in env: it sets that itself',
    async (name) => {
      await expect(launchApp({ env: { [name]: '1' } })).rejects.toThrow(`launchApp sets ${name} itself; leave it out of env`);
    },
  );
});
