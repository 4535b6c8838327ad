// Runs the real entry point (server/src/main.ts) as its own process for load tests: the PID
// is the server itself (`node --import tsx`, not the tsx CLI, which would fork a second
// process whose memory we would not see), logs go to a file (a pipe nobody drains would
// stall the server under load), and the data folder outlives the process so the SQLite
// file can be read after a shutdown.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { REPO_ROOT, tsxNodeArgs } from '../lib/tsx-node';
import { readRssBytes } from './rss';
import { activeCatalogFile } from '../../test-support/catalog';

const MAIN = path.join(REPO_ROOT, 'server', 'src', 'main.ts');
const GC_PRELOAD = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'bench', 'collect-garbage-on-signal.ts')).href;
const STARTUP_TIMEOUT_MS = 30_000;
const GC_TIMEOUT_MS = 5_000;

export interface AppProcessOptions {
  /** Variables for the app on top of free ports, a throwaway database and the client folder. */
  env?: Record<string, string>;
  /** The built client to serve (dist/client for `npm start`; the test fixture in Vitest). */
  clientDistDir: string;
  /** Let the caller force a full GC with SIGUSR2 (collectGarbage), for memory measurements. */
  collectGarbageOnSignal?: boolean;
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface MemoryAfterGc {
  /** The JavaScript heap still in use: what an array kept per request would grow. */
  heapUsed: number;
  /** Memory of C++ objects bound to JavaScript ones (Buffers and the like). */
  external: number;
  arrayBuffers: number;
  /** VmRSS right after the collection (includes memory freed but not yet given back). */
  rss: number;
}

const AfterFullGcSchema = z.object({ afterFullGc: z.object({ heapUsed: z.number(), external: z.number(), arrayBuffers: z.number() }) });

function readAfterFullGcLines(text: string): Omit<MemoryAfterGc, 'rss'>[] {
  return text.split('\n').filter((line) => line.startsWith('{"afterFullGc"')).map((line) => AfterFullGcSchema.parse(JSON.parse(line)).afterFullGc);
}

export interface AppProcess {
  pid: number;
  /** https://localhost:<port>, from the banner. */
  url: string;
  httpPort: number;
  dataDir: string;
  databaseFile: string;
  /** Everything the app printed so far (banner and JSON log lines). */
  output(): string;
  exited: Promise<AppExit>;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it ended. */
  stop(timeoutMs?: number): Promise<AppExit>;
  /** A full GC in the app (needs collectGarbageOnSignal), then what survived it, in bytes. */
  collectGarbage(): Promise<MemoryAfterGc>;
  /** Deletes the data folder (after stop). */
  remove(): void;
}

export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  // The working directory is the data folder, so a developer's .env never leaks in.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sss-load-'));
  const databaseFile = path.join(dataDir, 'app.sqlite');
  const logFile = path.join(dataDir, 'app.log');
  const logFd = openSync(logFile, 'a');
  const gcArgs = options.collectGarbageOnSignal ? ['--expose-gc', '--import', GC_PRELOAD] : [];
  const child = spawn(process.execPath, tsxNodeArgs(MAIN, gcArgs), {
    cwd: dataDir,
    env: {
      PATH: process.env['PATH'] ?? '',
      PORT: '0',
      HTTP_PORT: '0',
      // The in-process emulator only exists in emulated mode (no STRIPE_SECRET_KEY).
      ...(options.env?.['STRIPE_SECRET_KEY'] ? {} : { EMULATOR_PORT: '0' }),
      CLIENT_DIST_DIR: options.clientDistDir,
      DATABASE_URL: `file:${databaseFile}`,
      // The catalog the request mix buys from (the caller's CATALOG_FILE or the default).
      CATALOG_FILE: activeCatalogFile(),
      ...options.env,
    },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const exited = new Promise<AppExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => readFileSync(logFile, 'utf8');

  try {
    const { url, httpPort } = await waitForBanner(child, output);
    return {
      pid: child.pid ?? 0,
      url,
      httpPort,
      dataDir,
      databaseFile,
      output,
      exited,
      collectGarbage: async () => {
        if (!options.collectGarbageOnSignal) throw new Error('Start the app with collectGarbageOnSignal: true to force a GC.');
        const before = readAfterFullGcLines(output()).length;
        child.kill('SIGUSR2');
        // The collection runs on the app's event loop: wait for its report.
        const deadline = Date.now() + GC_TIMEOUT_MS;
        for (;;) {
          const report = readAfterFullGcLines(output())[before];
          if (report) return { ...report, rss: readRssBytes(child.pid ?? 0) };
          if (Date.now() > deadline) throw new Error(`The app did not report a full GC within ${GC_TIMEOUT_MS} ms.`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      stop: (timeoutMs = 15_000) => stopChild(child, exited, timeoutMs),
      remove: () => rmSync(dataDir, { recursive: true, force: true }),
    };
  } catch (error) {
    await stopChild(child, exited, 5_000);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

async function waitForBanner(child: ChildProcess, output: () => string): Promise<{ url: string; httpPort: number }> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const text = output();
    const shop = /Shop:\s+(https:\/\/localhost:\d+)/.exec(text)?.[1];
    const redirect = /HTTP redirect: http:\/\/localhost:(\d+)/.exec(text)?.[1];
    if (shop && redirect) return { url: shop, httpPort: Number(redirect) };
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The app exited (${child.exitCode ?? child.signalCode}) before it was ready. Its output:\n${output().slice(-4_000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`The app did not print its banner within ${STARTUP_TIMEOUT_MS / 1000} s. Its output:\n${output().slice(-4_000)}`);
}

async function stopChild(child: ChildProcess, exited: Promise<AppExit>, timeoutMs: number): Promise<AppExit> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit;
}
