// The app under test as a real process: `server/src/main.ts` in Stripe test mode against the
// harness's emulator, on fixed ports and one database, so it can be SIGKILLed and started
// again where it was. `node --import tsx` runs the app in this one process (the tsx CLI
// would fork a child that a SIGKILL of the parent leaves running), as server/test/main.test.ts does.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { findFreePort, waitForHealthy } from '../lib/app-health';
import { REPO_ROOT, tsxNodeArgs } from '../lib/tsx-node';

const MAIN = path.join(REPO_ROOT, 'server', 'src', 'main.ts');
const RECONCILE_CLI = path.join(REPO_ROOT, 'server', 'src', 'reconcile-cli.ts');
// The production build when there is one, else the small fixture pages the server tests use:
// the chaos run drives the API and the webhook endpoint, never the pages.
const BUILT_CLIENT = path.join(REPO_ROOT, 'dist', 'client');
const FIXTURE_CLIENT = path.join(REPO_ROOT, 'server', 'test', 'fixtures', 'client');
const RECONCILE_TIMEOUT_MS = 600_000;

export interface ReconcileSummary {
  listed: number;
  processed: number;
  duplicate: number;
  ignored: number;
  failed: number;
}

export interface AppProcessOptions {
  /** Where the log file goes and the working directory (so no developer `.env` is read). */
  dir: string;
  emulatorUrl: string;
  webhookSecret: string;
  databaseUrl: string;
  ca: string;
}

export interface AppProcess {
  /** https://localhost:<port>, the same across restarts. */
  url: string;
  /** Starts (or starts again) and resolves once /healthz answers 200. */
  start(): Promise<void>;
  /** Resolves with the counts of this run's startup reconciliation ('reconciled missed Stripe events'). */
  waitForReconciled(): Promise<ReconcileSummary>;
  /** SIGKILL: no shutdown handler runs, in-flight requests are cut. */
  kill(): Promise<void>;
  /** SIGTERM, the graceful stop. */
  stop(): Promise<void>;
  /** `npm run reconcile` with the same configuration, as a separate process. */
  runReconcileCli(): Promise<ReconcileSummary>;
  /** Event ids the app logged as `"result":"processed"` for a webhook, with how often (over every run). */
  processedByWebhook: Map<string, number>;
  /** The last lines of output, for error messages. */
  tail(): string;
  logFile: string;
}

export async function createAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const port = await findFreePort();
  const httpPort = await findFreePort();
  const url = `https://localhost:${port}`;
  const logFile = path.join(options.dir, 'app.log');
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const recent: string[] = [];
  const processedByWebhook = new Map<string, number>();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let reconciled: Promise<ReconcileSummary> = Promise.reject(new Error('the app has not started'));
  reconciled.catch(() => {});

  const env = {
    PATH: process.env['PATH'] ?? '',
    STRIPE_SECRET_KEY: 'sk_test_chaosHarness0123456789',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_chaosHarness0123456789',
    STRIPE_WEBHOOK_SECRET: options.webhookSecret,
    STRIPE_API_URL: options.emulatorUrl,
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HTTP_PORT: String(httpPort),
    CLIENT_DIST_DIR: existsSync(path.join(BUILT_CLIENT, 'index.html')) ? BUILT_CLIENT : FIXTURE_CLIENT,
    // Thousands of checkouts a minute from the harness; the limit itself is tested elsewhere.
    CHECKOUT_RATE_LIMIT: '10000',
    LOG_LEVEL: 'info',
  };

  /** Splits output into lines, keeps a tail, and picks out the lines the harness acts on. */
  function follow(stream: NodeJS.ReadableStream, onReconciled: (summary: ReconcileSummary) => void, onReconcileFailed: (line: string) => void) {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      log.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        recent.push(line);
        if (recent.length > 200) recent.shift();
        if (line.includes('"msg":"webhook event"') && line.includes('"result":"processed"')) {
          const eventId = /"eventId":"(evt_[^"]+)"/.exec(line)?.[1];
          if (eventId) processedByWebhook.set(eventId, (processedByWebhook.get(eventId) ?? 0) + 1);
        } else if (line.includes('reconciled missed Stripe events')) {
          onReconciled(parseSummary(line));
        } else if (line.includes('reconciling missed Stripe events failed')) {
          onReconcileFailed(line);
        }
      }
    });
  }

  function spawnScript(script: string) {
    return spawn(process.execPath, tsxNodeArgs(script), { cwd: options.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  return {
    url,
    logFile,
    processedByWebhook,
    tail: () => recent.slice(-40).join('\n'),

    async start() {
      if (child) throw new Error('the app is already running');
      const started = spawnScript(MAIN);
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      reconciled = new Promise<ReconcileSummary>((resolve, reject) => {
        const onExit = () => reject(new Error('the app exited before it reconciled'));
        started.once('exit', onExit);
        const done = (summary: ReconcileSummary) => {
          started.off('exit', onExit);
          resolve(summary);
        };
        const failed = (line: string) => reject(new Error(`startup reconciliation failed: ${line}`));
        if (started.stdout) follow(started.stdout, done, failed);
        if (started.stderr) follow(started.stderr, done, failed);
      });
      reconciled.catch(() => {}); // observed by waitForReconciled; a killed run may never reconcile
      await waitForHealthy(`${url}/healthz`, options.ca, started, () => recent.slice(-40).join('\n'), 50);
    },

    waitForReconciled: () => withTimeout(reconciled, RECONCILE_TIMEOUT_MS, 'the startup reconciliation'),

    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited;
      child = null;
    },

    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await withTimeout(exited, 20_000, 'a graceful stop').catch(async () => {
        child?.kill('SIGKILL');
        await exited;
      });
      child = null;
    },

    async runReconcileCli() {
      const cli = spawnScript(RECONCILE_CLI);
      const summary = new Promise<ReconcileSummary>((resolve, reject) => {
        let found: ReconcileSummary | null = null;
        const ignore = () => {};
        if (cli.stdout) follow(cli.stdout, (s) => (found = s), ignore);
        if (cli.stderr) follow(cli.stderr, (s) => (found = s), ignore);
        cli.once('exit', (code) => {
          if (code === 0 && found) resolve(found);
          else reject(new Error(`npm run reconcile exited ${code}:\n${recent.slice(-20).join('\n')}`));
        });
      });
      return withTimeout(summary, RECONCILE_TIMEOUT_MS, 'npm run reconcile');
    },
  };
}

function parseSummary(line: string): ReconcileSummary {
  const parsed: unknown = JSON.parse(line);
  const summary: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'reconcile') : undefined;
  const count = (name: string) => {
    const value: unknown = typeof summary === 'object' && summary !== null ? Reflect.get(summary, name) : undefined;
    return typeof value === 'number' ? value : 0;
  };
  return { listed: count('listed'), processed: count('processed'), duplicate: count('duplicate'), ignored: count('ignored'), failed: count('failed') };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
