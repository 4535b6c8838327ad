// Runs the app the way production does: the Vite build in dist/client served by
// `server/src/main.ts` as its own process (test-support/app-launcher.ts: free ports, a
// throwaway SQLite file, every log line in a file the tests read, no `.env` and no variable
// from the caller's shell), with what the browser tests need on top.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { startEmulator } from '../../emulator/src/index';
import { STRIPE_WEBHOOK_PATH } from '../../server/src/routes/webhooks';
import { findFreePort } from '../../test-support/app-health';
import { launchApp } from '../../test-support/app-launcher';
import { DEFAULT_TEST_MODE_APP_PORT } from '../../test-support/stripe-test-mode';
import { REPO_ROOT } from '../../test-support/tsx-node';

export type StripeMode = 'emulated' | 'test';

export interface TestModeKeys {
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
}

export interface StartAppOptions {
  /** Stripe test-mode keys; required in test mode. */
  keys?: TestModeKeys;
  /**
   * 'stripe' (default) puts Stripe's real origins in the CSP and the fixtures route them to the
   * emulator; 'local' is what `npm start` does: the emulator's own origin in the CSP and its
   * Stripe.js stand-in named by GET /api/config.
   */
  emulatorOrigins?: 'stripe' | 'local';
  /**
   * Emulated mode only: the offline "test mode" of the README instead of the app's in-process
   * emulator. An emulator of its own (local origins, as `npm run emulator` starts it) and the app
   * with test keys and STRIPE_API_URL at it.
   */
  standaloneEmulator?: boolean;
  /**
   * The app's HTTPS port in test mode, where `stripe listen` forwards Stripe's webhooks (the
   * project reads E2E_APP_PORT, default 4242); emulated mode always takes a free port.
   */
  testModePort?: number;
  /** More variables for the app (they win over the ones set here). */
  env?: Record<string, string>;
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
  /** The app's whole environment (PATH aside): its settings, for a tool that must use the same ones. */
  env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startApp(mode: StripeMode, options: StartAppOptions = {}): Promise<RunningApp> {
  const distIndex = path.join(REPO_ROOT, 'dist', 'client', 'index.html');
  if (!existsSync(distIndex)) {
    throw new Error(
      `${distIndex} is missing. Run the suite with \`npm run test:e2e\` (it builds the client first) or run \`npm run build\`.`,
    );
  }
  const { keys } = options;
  if (mode === 'test' && !keys)
    throw new Error('Stripe test mode needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.');

  // `stripe listen --forward-to https://localhost:<port>/webhooks/stripe` fixes the port in test mode.
  const port = mode === 'test' ? (options.testModePort ?? DEFAULT_TEST_MODE_APP_PORT) : await findFreePort();
  const webhookSecret = keys?.webhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  const secretKey = keys?.secretKey ?? 'sk_test_emulated';
  const standalone =
    mode === 'emulated' && options.standaloneEmulator
      ? await startEmulator({
          port: 0,
          publicOrigins: 'local',
          webhookEndpoints: [{ url: `https://localhost:${port}${STRIPE_WEBHOOK_PATH}`, secret: webhookSecret }],
          logger: pino({ level: 'warn' }),
        })
      : null;
  const stripe: Record<string, string> = standalone
    ? {
        STRIPE_SECRET_KEY: secretKey,
        STRIPE_PUBLISHABLE_KEY: 'pk_test_emulated',
        STRIPE_WEBHOOK_SECRET: webhookSecret,
        STRIPE_API_URL: standalone.url,
      }
    : mode === 'test' && keys
      ? // Emulated mode refuses NODE_ENV=production (it takes fake payments), so only Stripe test
        // mode runs as a production deployment.
        {
          NODE_ENV: 'production',
          STRIPE_SECRET_KEY: keys.secretKey,
          STRIPE_PUBLISHABLE_KEY: keys.publishableKey,
          STRIPE_WEBHOOK_SECRET: keys.webhookSecret,
        }
      : // Hosted pages on https://checkout.stripe.com by default, so the app's CSP names Stripe's
        // real origins; the fixtures route those origins to the emulator.
        { EMULATOR_ORIGINS: options.emulatorOrigins ?? 'stripe', EMULATOR_WEBHOOK_SECRET: webhookSecret };
  const app = await launchApp({
    port,
    ...(standalone ? { ca: standalone.ca } : {}),
    env: {
      ...stripe,
      // Both modes send production's headers (two-year HSTS), which the browser and the audit
      // (MDN Observatory) see and grade.
      SECURITY_HEADERS: 'production',
      PUBLIC_URL: `https://localhost:${port}`,
      // One browser starts dozens of checkouts a minute here; the limit itself is tested in Vitest.
      CHECKOUT_RATE_LIMIT: '1000',
      ...options.env,
    },
  }).catch(async (error: unknown) => {
    await standalone?.close();
    throw error;
  });

  return {
    mode,
    baseURL: app.url,
    emulatorOrigin: standalone ? new URL(standalone.url).origin : app.emulatorOrigin,
    emulatorPort: standalone ? standalone.port : app.emulatorPort,
    webhookSecret,
    secretKey,
    httpPort: app.httpPort,
    dataDir: app.dir,
    databaseFile: app.sqliteFile(),
    logFile: app.logFile,
    ca: app.ca,
    env: app.env,
    stop: async () => {
      await app.stop();
      app.remove();
      await standalone?.close();
    },
  };
}
