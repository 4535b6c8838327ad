// The logger's stdout (logger.ts createStdoutDestination) writes a turn's lines together, and
// none may be held back for it: each is out by the end of its turn while the process runs on,
// and what is still waiting is written when it exits, by process.exit or an uncaught exception.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnScript, type ScriptProcess } from '../../test-support/app-launcher';

const SCRIPT = 'server/test/fixtures/log-to-stdout.ts';
const spawned: ScriptProcess[] = [];
afterEach(async () => {
  for (const script of spawned.splice(0)) {
    await script.kill();
    script.remove();
  }
});

function run(end: 'stay' | 'exit' | 'throw', lines: number): ScriptProcess {
  const script = spawnScript({ script: SCRIPT, env: { END: end, LINES: String(lines) } });
  spawned.push(script);
  return script;
}

const loggedLines = (script: ScriptProcess) =>
  script
    .logLines()
    .filter((line) => line['msg'] === 'logged')
    .map((line) => line['line']);
const numbers = (count: number) => Array.from({ length: count }, (_, index) => index);

describe('the logger on stdout', () => {
  it('writes every line of a turn while the process runs on, in order, beyond the batch size too', async () => {
    for (const lines of [1, 3, 2_000]) {
      const script = run('stay', lines);
      await script.waitForLogLine((line) => line['line'] === lines - 1, { what: `line ${lines - 1}`, timeoutMs: 20_000 });
      expect(script.hasExited()).toBe(false);
      expect(loggedLines(script)).toEqual(numbers(lines));
    }
  });

  it('writes the lines still waiting when the process exits in the same turn', async () => {
    const script = run('exit', 5);
    expect(await script.exited).toEqual({ code: 0, signal: null });
    expect(loggedLines(script)).toEqual(numbers(5));
  });

  it('writes the lines still waiting when an uncaught exception ends the process in the same turn', async () => {
    const script = run('throw', 5);
    expect(await script.exited).toEqual({ code: 1, signal: null });
    expect(loggedLines(script)).toEqual(numbers(5));
    expect(script.output()).toContain('crashed on purpose');
  });
});
