// Runs `server/src/main.ts` as its own process, as production does, and reads its JSON log
// lines: for tests about processes (several instances, restarts, signals). The environment is
// only what the test passes, never the caller's shell or `.env`.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FIXTURE_CLIENT_DIR } from './test-app';
import { waitFor } from './wait';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface ServerProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** https://localhost:<port> once listening. */
  url: string;
  port: number;
  output(): string;
  /** The JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Spawns a server script (main.ts by default) with `env` and waits for its "listening" line. */
export async function startServerProcess(env: Record<string, string>, options: { cwd?: string; script?: string; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(REPO_ROOT, 'server', 'src', options.script ?? 'main.ts')], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HTTP_PORT: '0', CLIENT_DIST_DIR: FIXTURE_CLIENT_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const logLines = () =>
    output.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  let stopped = false;
  void exited.then(() => (stopped = true));
  const listening = await waitFor(() => (stopped ? 'exited' : logLines().find((line) => line['msg'] === 'listening')), (line) => line !== undefined, options.timeoutMs ?? 30_000);
  if (listening === undefined || listening === 'exited') {
    child.kill('SIGKILL');
    throw new Error(`The server did not start:\n${output}`);
  }
  const port = Number(listening['port']);
  return { child, url: `https://localhost:${port}`, port, output: () => output, logLines, exited };
}
