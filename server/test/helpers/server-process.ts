// Runs a TypeScript entry point of the repository (`server/src/main.ts`, the reconcile CLI, a
// test worker) as its own process, as production does, and reads its output and JSON log
// lines: for tests about processes (several instances, restarts, signals, the CLI). The
// environment is only what the test passes, never the caller's shell or `.env`.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { REPO_ROOT, tsxNodeArgs } from '../../../scripts/lib/tsx-node';
import { activeCatalogFile } from '../../../test-support/catalog';
import { FIXTURE_CLIENT_DIR } from './test-app';
import { waitFor } from './wait';

export interface SpawnedServerScript {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  exited: Promise<number | null>;
}

export interface ServerProcess extends SpawnedServerScript {
  /** https://localhost:<port> once listening. */
  url: string;
  port: number;
}

export interface ServerScriptOptions {
  /** The working directory (default the repository); a temp folder keeps a developer's `.env` out. */
  cwd?: string;
  /** The entry point, from the repository root (default server/src/main.ts). */
  script?: string;
}

/** Spawns a server script with free ports, the test client pages and `env`; does not wait. */
export function spawnServerScript(env: Record<string, string>, options: ServerScriptOptions = {}): SpawnedServerScript {
  const child = spawn(process.execPath, tsxNodeArgs(options.script ?? 'server/src/main.ts'), {
    cwd: options.cwd ?? REPO_ROOT,
    // The catalog the tests derive their expectations from (the caller's CATALOG_FILE or the default).
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HTTP_PORT: '0', CLIENT_DIST_DIR: FIXTURE_CLIENT_DIR, CATALOG_FILE: activeCatalogFile(), ...env },
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
  return { child, output: () => output, logLines, exited };
}

/** Spawns a server script (main.ts by default) and waits for its "listening" line. */
export async function startServerProcess(env: Record<string, string>, options: ServerScriptOptions & { timeoutMs?: number } = {}): Promise<ServerProcess> {
  const spawned = spawnServerScript(env, options);
  let stopped = false;
  void spawned.exited.then(() => (stopped = true));
  const listening = await waitFor(() => (stopped ? 'exited' : spawned.logLines().find((line) => line['msg'] === 'listening')), (line) => line !== undefined, options.timeoutMs ?? 30_000).catch(() => undefined);
  if (listening === undefined || listening === 'exited') {
    spawned.child.kill('SIGKILL');
    throw new Error(`The server did not start:\n${spawned.output()}`);
  }
  const port = Number(listening['port']);
  return { ...spawned, url: `https://localhost:${port}`, port };
}
