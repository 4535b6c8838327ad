// The emulator's payments/s: card payments (create, then confirm, scenarios/emulator-payments.ts)
// against an emulator that delivers each payment's events to one webhook endpoint (the app, in
// test mode against that emulator, re-reading each PaymentIntent as it does for Stripe) and
// against one with no endpoint. Both emulators run at once as processes of their own; the CPU
// figure is the emulator's per payment.
import path from 'node:path';
import { findFreePort } from '../../test-support/app-health';
import { launchApp } from '../../test-support/app-launcher';
import { productAt } from '../../test-support/catalog';
import { REPO_ROOT } from '../../test-support/tsx-node';
import type { BenchPath } from './context';
import { startEmulatorProcess } from './emulator-process';
import { compareSides, type LoadRun } from './measure';
import { loadFigure, ratioOf } from './report';
import { CONFIRM_REQUEST, EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY } from './scenarios/emulator-payments';
import { WEBHOOK_PATH } from './scenarios/signed-events';
import { newWebhookSecret } from './webhooks';

const PAYMENTS = path.join(REPO_ROOT, 'scripts', 'bench', 'scenarios', 'emulator-payments.ts');
const GOAL_PAYMENTS_PER_SECOND = 500;

export const benchEmulatorPayments: BenchPath = async (context) => {
  const { settings, certificate, catalog } = context;
  context.log(`emulator: payments/s with one webhook endpoint and with none, ${settings.connections} connections`);
  const secret = newWebhookSecret();
  const appPort = await findFreePort();
  const delivering = await startEmulatorProcess({
    ca: certificate.ca,
    webhook: { url: `https://localhost:${appPort}${WEBHOOK_PATH}`, secret },
    nodeArgs: context.profileArgs('emulator'),
  });
  const alone = await startEmulatorProcess({ ca: certificate.ca });
  try {
    const app = await launchApp({
      port: appPort,
      clientDistDir: settings.clientDir,
      ca: certificate.ca,
      nodeArgs: context.profileArgs('app'),
      env: {
        STRIPE_SECRET_KEY: EMULATOR_SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY: EMULATOR_PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET: secret,
        STRIPE_API_URL: delivering.url,
      },
    });
    try {
      const load: LoadRun = {
        ca: certificate.ca,
        connections: settings.connections,
        scenario: { module: PAYMENTS, options: { amount: productAt(catalog, 0).unitAmount, currency: catalog.currency } },
        countUnits: (summary) => summary.byRequest[CONFIRM_REQUEST]?.['200'] ?? 0,
      };
      const results = await compareSides(settings, [
        // Deliveries go on after the load stops: the next run waits until both processes are idle.
        { name: 'endpoint', server: { pids: [delivering.pid], settlePids: [delivering.pid, app.pid], url: delivering.url }, load },
        { name: 'none', server: { pids: [alone.pid], url: alone.url }, load },
      ]);
      const withEndpoint = loadFigure(results.endpoint, 'payments/s');
      const withNone = loadFigure(results.none, 'payments/s');
      return [
        {
          section: 'emulator',
          path: 'payments/s the emulator completes while delivering webhooks to one endpoint (the app); compared with no endpoint',
          app: withEndpoint,
          baseline: withNone,
          ratio: ratioOf(withEndpoint, withNone),
          goal: `≥ ${GOAL_PAYMENTS_PER_SECOND}/s`,
          met: withEndpoint.value >= GOAL_PAYMENTS_PER_SECOND,
          failures: results.endpoint.failures + results.none.failures,
        },
      ];
    } finally {
      await app.stop();
      app.remove();
    }
  } finally {
    await Promise.all([delivering.stop(), alone.stop()]);
  }
};
