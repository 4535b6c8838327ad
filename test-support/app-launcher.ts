// Starts the app (`server/src/main.ts`), or any TypeScript entry point of the repository, as
// its own process, the way production runs it: for the end-to-end suite, the chaos run, the
// load benchmark and the server's process tests.
// - One Node process (`node --import tsx`, see tsx-node.ts; plain `node` for a built `.js` entry
//   point), so a signal or a SIGKILL reaches the program itself and /proc shows its memory.
// - The environment is only PATH and what the caller passes, and the working directory is a
//   folder of the run's own: nothing comes from the caller's shell or a developer's `.env`.
// - stdout and stderr go straight to a log file (the process writes it itself: a pipe the
//   caller stopped draining, e.g. during a spawnSync, would stall the app), read back from there.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDevCertificate } from '../common/dev-certs';
import { findFreePort, waitForHealthy } from './app-health';
import { REPO_ROOT, tsxNodeArgs } from './tsx-node';
import { activeCatalogFile } from './catalog';

const MAIN = 'server/src/main.ts';
const STOP_TIMEOUT_MS = 20_000;
const LOG_POLL_MS = 50;
/** Variables launchApp sets itself (it must know the ports and the database), with the option to use instead. */
const LAUNCHER_VARIABLES = {
  PORT: 'set the port option',
  HTTP_PORT: 'it picks a free port',
  EMULATOR_PORT: 'it picks a free port in emulated mode, when env has no STRIPE_SECRET_KEY',
  DATABASE_URL: 'set the databaseUrl option',
  CLIENT_DIST_DIR: 'set the clientDistDir option',
} as const;

export type LogLine = Record<string, unknown>;

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WaitForLogLineOptions {
  /** Byte offset in the log file to search from (see logSize); default where this run started. */
  from?: number;
  timeoutMs?: number;
  /** What the line is, for the error message. */
  what?: string;
}

/** Reading a process's output back from its log file. */
export interface ProcessOutput {
  logFile: string;
  /** Everything in the log file from `from` (default where this run started). */
  output(from?: number): string;
  /** The pino JSON lines of output(from); other lines (the banner) are skipped. */
  logLines(from?: number): LogLine[];
  /** The log file's size now: pass it as `from` to look only at what comes after. */
  logSize(): number;
  /** The last lines of output, for error messages. */
  tail(lines?: number): string;
  /** Resolves with the first JSON line that matches; fails if the process exits first or after `timeoutMs` (default 30 s). */
  waitForLogLine(matches: (line: LogLine) => boolean, options?: WaitForLogLineOptions): Promise<LogLine>;
}

export interface ScriptOptions {
  /** The entry point, from the repository root: TypeScript runs through tsx, JavaScript (a build) on plain Node. */
  script: string;
  /** The process's whole environment besides PATH. */
  env?: Record<string, string>;
  /** Node flags before the entry point (e.g. --expose-gc). */
  nodeArgs?: readonly string[];
  /** The working directory and home of the log file; default a new temp folder (see remove). */
  dir?: string;
  /** Default <dir>/<entry point's name>.log; appended to, so restarts can share one. */
  logFile?: string;
}

export interface ScriptProcess extends ProcessOutput {
  child: ChildProcess;
  pid: number;
  dir: string;
  /** Resolves once the process has exited (its output is then all in the log file). */
  exited: Promise<ProcessExit>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 20 s). */
  stop(timeoutMs?: number): Promise<ProcessExit>;
  /** SIGKILL: no shutdown handler runs, in-flight requests are cut. */
  kill(): Promise<ProcessExit>;
  /** Deletes the folder when the launcher created it (after the process has exited). */
  remove(): void;
}

/** Spawns `options.script` and returns at once (wait on `exited`, or on a log line). */
export function spawnScript(options: ScriptOptions): ScriptProcess {
  const createdDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'sss-app-'));
  const logFile = path.resolve(dir, options.logFile ?? `${path.basename(options.script, path.extname(options.script))}.log`);
  const logFd = openSync(logFile, 'a');
  const logStart = fstatSync(logFd).size;
  const child = spawn(process.execPath, nodeArgsFor(options.script, options.nodeArgs), {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const signal = async (name: NodeJS.Signals, timeoutMs?: number) => {
    if (!hasExited()) child.kill(name);
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  return {
    ...readProcessOutput(logFile, logStart, hasExited),
    child,
    pid: child.pid ?? 0,
    dir,
    exited,
    hasExited,
    stop: (timeoutMs = STOP_TIMEOUT_MS) => signal('SIGTERM', timeoutMs),
    kill: () => signal('SIGKILL'),
    remove: () => {
      if (createdDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AppOptions {
  /** The server's entry point from the repository root; default server/src/main.ts (a built `.js` one runs on plain Node). */
  entry?: string;
  /** Variables for the app besides the ports, the database and the client folder, which the options below set. */
  env?: Record<string, string>;
  /** The working directory, log file (main.log) and default SQLite file; default a new temp folder. */
  dir?: string;
  /** Default file:<dir>/app.sqlite. */
  databaseUrl?: string;
  /** The built client to serve; default dist/client. */
  clientDistDir?: string;
  /** The HTTPS port; default a free one. The HTTP redirect port (and the emulator's) are free ones. */
  port?: number;
  nodeArgs?: readonly string[];
  /** The CA to trust for GET /healthz; default the development CA, which the app's default certificate chains to. */
  ca?: string;
  /** How often to ask GET /healthz while it starts (default 100 ms); a startup measurement asks more often. */
  healthPollMs?: number;
}

export interface LaunchedApp extends ProcessOutput {
  /** https://localhost:<port>; ports stay the same across restarts. */
  url: string;
  port: number;
  httpPort: number;
  /** The in-process emulator (emulated mode, no STRIPE_SECRET_KEY); null otherwise. */
  emulatorPort: number | null;
  emulatorOrigin: string | null;
  dir: string;
  databaseUrl: string;
  /** The SQLite file of databaseUrl (the default is one); throws for PostgreSQL. */
  sqliteFile(): string;
  ca: string;
  /** The app's whole environment (PATH aside). */
  env: Readonly<Record<string, string>>;
  /** The current (or last) run. */
  readonly process: ScriptProcess;
  /** Milliseconds from spawning the current run to its first GET /healthz 200. */
  readonly startupMs: number;
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** Starts again after stop or kill (same ports, database and log file); resolves once healthy. */
  start(): Promise<void>;
  stop(timeoutMs?: number): Promise<ProcessExit>;
  kill(): Promise<ProcessExit>;
  /** Another entry point (e.g. the reconcile CLI) with the app's environment and folder. */
  run(script: string): ScriptProcess;
  remove(): void;
}

/** Starts server/src/main.ts on free ports and resolves once GET /healthz answers 200. */
export async function launchApp(options: AppOptions = {}): Promise<LaunchedApp> {
  for (const [name, instead] of Object.entries(LAUNCHER_VARIABLES)) {
    if (options.env && name in options.env) throw new Error(`launchApp sets ${name} itself; leave it out of env (${instead}).`);
  }
  const createdDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'sss-app-'));
  const ca = options.ca ?? (await ensureDevCertificate()).ca;
  const port = options.port ?? (await findFreePort());
  const httpPort = await findFreePort();
  const emulatorPort = options.env?.['STRIPE_SECRET_KEY'] ? null : await findFreePort();
  const databaseUrl = options.databaseUrl ?? `file:${path.join(dir, 'app.sqlite')}`;
  const env: Record<string, string> = {
    // The catalog the tests derive their expectations from (test-support/catalog.ts).
    CATALOG_FILE: activeCatalogFile(),
    ...options.env,
    PORT: String(port),
    HTTP_PORT: String(httpPort),
    ...(emulatorPort === null ? {} : { EMULATOR_PORT: String(emulatorPort) }),
    DATABASE_URL: databaseUrl,
    CLIENT_DIST_DIR: options.clientDistDir ?? path.join(REPO_ROOT, 'dist', 'client'),
  };
  const url = `https://localhost:${port}`;
  const logFile = path.join(dir, 'main.log');
  const spawnMain = () => {
    spawnedAt = performance.now();
    return spawnScript({ script: options.entry ?? MAIN, env, nodeArgs: options.nodeArgs, dir, logFile });
  };
  let spawnedAt = 0;
  let startupMs = 0;
  let current = spawnMain();
  const start = async () => {
    if (!current.hasExited()) throw new Error('The app is already running.');
    current = spawnMain();
    await becomeHealthy();
  };
  const becomeHealthy = async () => {
    const run = current;
    await waitForHealthy(`${url}/healthz`, { ca, hasExited: run.hasExited, output: () => run.tail(), intervalMs: options.healthPollMs });
    startupMs = performance.now() - spawnedAt;
  };
  const remove = () => {
    if (createdDir) rmSync(dir, { recursive: true, force: true });
  };
  const whole = readProcessOutput(logFile, 0, () => current.hasExited());

  try {
    await becomeHealthy();
  } catch (error) {
    await current.stop(5_000);
    remove();
    throw error;
  }
  return {
    ...whole,
    url,
    port,
    httpPort,
    emulatorPort,
    emulatorOrigin: emulatorPort === null ? null : `https://localhost:${emulatorPort}`,
    dir,
    databaseUrl,
    sqliteFile: () => {
      if (!databaseUrl.startsWith('file:')) throw new Error(`The app's database is not a SQLite file: ${databaseUrl}`);
      return databaseUrl.slice('file:'.length);
    },
    ca,
    env,
    get process() {
      return current;
    },
    get pid() {
      return current.pid;
    },
    get startupMs() {
      return startupMs;
    },
    get exited() {
      return current.exited;
    },
    // Waiting for a line looks at the current run, unless told otherwise.
    waitForLogLine: (matches, waitOptions) => current.waitForLogLine(matches, waitOptions),
    tail: (lines) => current.tail(lines),
    start,
    stop: (timeoutMs) => current.stop(timeoutMs),
    kill: () => current.kill(),
    run: (script) => spawnScript({ script, env, dir }),
    remove,
  };
}

/** `node` arguments for an entry point: tsx for TypeScript, none for a built `.js` file. */
function nodeArgsFor(script: string, nodeArgs: readonly string[] = []): string[] {
  return script.endsWith('.ts') ? tsxNodeArgs(script, nodeArgs) : [...nodeArgs, path.resolve(REPO_ROOT, script)];
}

function readProcessOutput(logFile: string, logStart: number, hasExited: () => boolean): ProcessOutput {
  const output = (from = logStart) => readLog(logFile, from).toString('utf8');
  const tail = (lines = 40) =>
    output()
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  return {
    logFile,
    output,
    logLines: (from) => parseLogLines(output(from)),
    logSize: () => statSync(logFile).size,
    tail,
    async waitForLogLine(matches, { from = logStart, timeoutMs = 30_000, what = 'the expected line' } = {}) {
      const deadline = Date.now() + timeoutMs;
      let cursor = from;
      for (;;) {
        // Read after checking for exit, so the last lines of a process that just exited are seen.
        const exited = hasExited();
        const text = readLog(logFile, cursor);
        const complete = text.lastIndexOf(0x0a) + 1;
        const found = parseLogLines(text.subarray(0, complete).toString('utf8')).find(matches);
        if (found) return found;
        cursor += complete;
        if (exited) throw new Error(`The process exited before it logged ${what}. Its output:\n${tail()}`);
        if (Date.now() > deadline) throw new Error(`No log line with ${what} within ${timeoutMs / 1000} s. The output:\n${tail()}`);
        await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
      }
    },
  };
}

/** The log file from byte `from` (reads only that part: a chaos run's log grows to tens of MB). */
function readLog(file: string, from: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, fstatSync(fd).size - from));
    let read = 0;
    while (read < buffer.length) {
      const bytes = readSync(fd, buffer, read, buffer.length - read, from + read);
      if (bytes === 0) break;
      read += bytes;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** pino's JSON lines; anything else (the startup banner, a stack trace) is skipped. */
export function parseLogLines(text: string): LogLine[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed: unknown = JSON.parse(line);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? [Object.fromEntries(Object.entries(parsed))] : [];
    } catch {
      return [];
    }
  });
}
