// The app under test as a real process (test-support/app-launcher.ts): `server/src/main.ts`
// in Stripe test mode against the harness's emulator, on ports and a database that stay the
// same when it is SIGKILLed and started again. What the harness reads from it: each start's
// reconciliation, the webhook events it processed, and the reconcile CLI's summary.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ReconcileSummary } from '../../server/src/payments/reconcile';
import { launchApp, type LaunchedApp, type LogLine, type ProcessOutput } from '../../test-support/app-launcher';
import { fixtureClientDir } from '../../test-support/fixture-client';
import { REPO_ROOT } from '../../test-support/tsx-node';

// The production build when there is one, else the fixture build the server tests use:
// the chaos run drives the API and the webhook endpoint, never the pages.
const BUILT_CLIENT = path.join(REPO_ROOT, 'dist', 'client');
const RECONCILE_TIMEOUT_MS = 600_000;
const RECONCILED = 'reconciled missed Stripe events';
const RECONCILE_FAILED = 'reconciling missed Stripe events failed';

const SummarySchema: z.ZodType<ReconcileSummary> = z.object({
  since: z.number().nullable(),
  listed: z.number(),
  processed: z.number(),
  duplicate: z.number(),
  ignored: z.number(),
  failed: z.number(),
});

export interface ChaosAppOptions {
  /** The app's working directory (so no developer `.env` is read) and where its logs go. */
  dir: string;
  emulatorUrl: string;
  webhookSecret: string;
  databaseUrl: string;
  ca: string;
}

/** Starts the app; resolves once GET /healthz answers 200. */
export function launchChaosApp(options: ChaosAppOptions): Promise<LaunchedApp> {
  return launchApp({
    dir: options.dir,
    databaseUrl: options.databaseUrl,
    ca: options.ca,
    clientDistDir: existsSync(path.join(BUILT_CLIENT, 'index.html')) ? BUILT_CLIENT : fixtureClientDir(),
    env: {
      STRIPE_SECRET_KEY: 'sk_test_chaosHarness0123456789',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_chaosHarness0123456789',
      STRIPE_WEBHOOK_SECRET: options.webhookSecret,
      STRIPE_API_URL: options.emulatorUrl,
      // Thousands of checkouts a minute from the harness; the limit itself is tested elsewhere.
      CHECKOUT_RATE_LIMIT: '10000',
      LOG_LEVEL: 'info',
    },
  });
}

/** The counts of this run's startup reconciliation (logged after it starts listening). */
export async function waitForReconciled(app: LaunchedApp): Promise<ReconcileSummary> {
  return summaryOf(
    await app.waitForLogLine((line) => line['msg'] === RECONCILED || String(line['msg']).startsWith(RECONCILE_FAILED), {
      timeoutMs: RECONCILE_TIMEOUT_MS,
      what: 'the startup reconciliation',
    }),
  );
}

/** `npm run reconcile` with the app's configuration, as a separate process. */
export async function runReconcileCli(app: LaunchedApp): Promise<ReconcileSummary> {
  const cli = app.run('server/src/reconcile-cli.ts');
  try {
    const line = await cli.waitForLogLine((line) => line['msg'] === RECONCILED, {
      timeoutMs: RECONCILE_TIMEOUT_MS,
      what: "npm run reconcile's summary",
    });
    const exit = await cli.exited;
    if (exit.code !== 0) throw new Error(`npm run reconcile exited ${exit.code ?? exit.signal}:\n${cli.tail(20)}`);
    return summaryOf(line);
  } finally {
    await cli.kill();
  }
}

/** Event ids the app logged as processed for a webhook, with how often (over every run). */
export function processedByWebhook(app: ProcessOutput): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of app.logLines(0)) {
    const eventId = line['eventId'];
    if (line['msg'] === 'webhook event' && line['result'] === 'processed' && typeof eventId === 'string')
      counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
  }
  return counts;
}

function summaryOf(line: LogLine): ReconcileSummary {
  if (line['msg'] !== RECONCILED) throw new Error(`startup reconciliation failed: ${JSON.stringify(line)}`);
  return SummarySchema.parse(line['reconcile']);
}
