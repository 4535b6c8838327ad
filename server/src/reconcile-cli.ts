// `npm run reconcile`: process the Stripe events this app missed, on demand (after an outage,
// or from a scheduler), with the same configuration as the server. Safe next to a running
// server: every event goes through the same idempotent path as a webhook delivery.
import { rootCertificates } from 'node:tls';
import { ConfigError, loadConfigFromProcess } from './config';
import { createLogger } from './logger';
import { reconcileMissedEvents } from './payments/reconcile';
import { createStripeClient } from './payments/stripe-client';
import { openDatabase } from './store/database';
import { createOrderStore } from './store/order-store';
import { createReconcileCursor } from './store/reconcile-cursor';
import { ensureDevCertificate } from '../../common/dev-certs';

async function main(): Promise<number> {
  const config = loadConfigFromProcess();
  if (config.mode === 'emulated') {
    // The in-process emulator starts empty each time: there is nothing it could tell us.
    throw new ConfigError([
      'npm run reconcile needs a Stripe to ask, and the in-process emulator starts empty: set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY ' +
        'and STRIPE_WEBHOOK_SECRET as for `npm start` in test or live mode (for an emulator started with `npm run emulator`, also STRIPE_API_URL=https://localhost:12111).',
    ]);
  }
  const logger = createLogger({ level: config.logLevel });
  // A separately started emulator uses the development CA; trust it next to the public roots.
  const ca = config.stripe.apiUrl ? [...rootCertificates, (await ensureDevCertificate()).ca] : null;
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl, ca });
  const db = await openDatabase(config.database);
  try {
    const summary = await reconcileMissedEvents({
      stripe,
      store: createOrderStore(db),
      logger,
      mode: config.mode,
      cursor: createReconcileCursor(db),
    });
    logger.info({ reconcile: summary }, 'reconciled missed Stripe events');
    return summary.failed === 0 ? 0 : 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\n${error instanceof ConfigError ? '' : 'Reconciliation failed: '}${message}\n`);
    process.exit(1);
  },
);
