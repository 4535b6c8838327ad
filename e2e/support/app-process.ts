// Runs the app the way production does: the Vite build in dist/client served by
// `server/src/main.ts` in a child process (one Node process, through tsx's loader), on free ports, with a throwaway SQLite file and
// every log line captured to a file the tests read afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDevCertificate } from '../../scripts/dev-certs';
import { findFreePort, waitForHealthy } from '../../scripts/lib/app-health';
import { REPO_ROOT, tsxNodeArgs } from '../../scripts/lib/tsx-node';
import { activeCatalogFile } from '../../test-support/catalog';

export { REPO_ROOT };

export type StripeMode = 'emulated' | 'test';

export interface TestModeKeys {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
}

export interface RunningApp {
  mode: StripeMode;
  /** https://localhost:<port>, the origin the browser uses. */
  baseURL: string;
  /** The emulator's own origin in emulated mode; null against real Stripe. */
  emulatorOrigin: string | null;
  emulatorPort: number | null;
  /** The secret the app verifies webhooks with (generated here in emulated mode). */
  webhookSecret: string;
  /** The Stripe secret key the app uses. */
  secretKey: string;
  /** The plain-HTTP port that only redirects to HTTPS. */
  httpPort: number;
  /** The throwaway folder with the database files and the log. */
  dataDir: string;
  databaseFile: string;
  logFile: string;
  /** PEM of the development CA, for Node-side requests to the app and the emulator. */
  ca: string;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 10_000;

/** Variables that must come from this harness only, never from the caller's shell or `.env`. */
const OWNED_VARIABLES = [
  'STRIPE_SECRET_KEY',
  'STRIPE_PUBLISHABLE_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_API_URL',
  'PORT',
  'HTTP_PORT',
  'PUBLIC_URL',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'DATABASE_URL',
  'CLIENT_DIST_DIR',
  'CATALOG_FILE',
  'EMULATOR_PORT',
  'EMULATOR_ORIGINS',
  'EMULATOR_WEBHOOK_SECRET',
  'NODE_ENV',
  'SECURITY_HEADERS',
  'HSTS_PRELOAD',
] as const;

/**
 * `emulatorOrigins`: 'stripe' (default) puts Stripe's real origins in the CSP and the fixtures
 * route them to the emulator; 'local' is what `npm start` does: the emulator's own origin in the
 * CSP and its Stripe.js stand-in named by GET /api/config.
 */
export async function startApp(mode: StripeMode, keys?: TestModeKeys, emulatorOrigins: 'stripe' | 'local' = 'stripe'): Promise<RunningApp> {
  const distIndex = path.join(REPO_ROOT, 'dist', 'client', 'index.html');
  if (!existsSync(distIndex)) {
    throw new Error(`${distIndex} is missing. Run the suite with \`npm run test:e2e\` (it builds the client first) or run \`npm run build\`.`);
  }
  if (mode === 'test' && !keys) throw new Error('Stripe test mode needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.');

  const { ca } = await ensureDevCertificate();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-app-'));
  const databaseFile = path.join(dir, 'e2e.sqlite');
  const logFile = path.join(dir, 'server.log');

  // `stripe listen --forward-to https://localhost:4242/webhooks/stripe` fixes the port in test mode.
  const port = mode === 'test' ? 4242 : await findFreePort();
  const httpPort = await findFreePort();
  const emulatorPort = mode === 'emulated' ? await findFreePort() : null;
  const webhookSecret = keys?.webhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  const secretKey = keys?.secretKey ?? 'sk_test_emulated';
  const baseURL = `https://localhost:${port}`;

  const env: NodeJS.ProcessEnv = { ...process.env };
  // Empty strings count as unset for the app and stop a developer's `.env` from filling them in.
  for (const name of OWNED_VARIABLES) env[name] = '';
  Object.assign(env, {
    // Emulated mode refuses NODE_ENV=production (it takes fake payments), so only Stripe test
    // mode runs as a production deployment; both send production's headers (two-year HSTS),
    // which the browser and the audit (MDN Observatory) see and grade.
    NODE_ENV: mode === 'test' ? 'production' : '',
    SECURITY_HEADERS: 'production',
    PORT: String(port),
    HTTP_PORT: String(httpPort),
    PUBLIC_URL: baseURL,
    DATABASE_URL: `file:${databaseFile}`,
    // One browser starts dozens of checkouts a minute here; the limit itself is tested in Vitest.
    CHECKOUT_RATE_LIMIT: '1000',
    // The catalog the specs derive their expectations from (the caller's CATALOG_FILE or the default).
    CATALOG_FILE: activeCatalogFile(),
  });
  if (mode === 'emulated') {
    Object.assign(env, {
      EMULATOR_PORT: String(emulatorPort),
      // Hosted pages on https://checkout.stripe.com, so the app's CSP names Stripe's real
      // origins; the fixtures route those origins to the emulator.
      EMULATOR_ORIGINS: emulatorOrigins,
      EMULATOR_WEBHOOK_SECRET: webhookSecret,
    });
  } else if (keys) {
    Object.assign(env, {
      STRIPE_SECRET_KEY: keys.secretKey,
      STRIPE_PUBLISHABLE_KEY: keys.publishableKey,
      STRIPE_WEBHOOK_SECRET: keys.webhookSecret,
    });
  }

  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, tsxNodeArgs('server/src/main.ts'), {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', logFd, logFd],
    detached: true,
  });
  closeSync(logFd);

  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitForHealthy(`${baseURL}/healthz`, ca, child, () => tail(logFile));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    mode,
    baseURL,
    emulatorOrigin: emulatorPort === null ? null : `https://localhost:${emulatorPort}`,
    emulatorPort,
    webhookSecret,
    secretKey,
    httpPort,
    dataDir: dir,
    databaseFile,
    logFile,
    ca,
    stop,
  };
}

/** SIGTERM first (the app drains and closes the database), SIGKILL if it hangs. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS))]);
  if (timedOut) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  }
}

async function tail(file: string, lines = 40): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
