// Webhooks, two ways:
// - pure ingestion: signed events of a type the app accepts and records but acts on without a
//   Stripe call (`payment_intent.created`, outside HANDLED_EVENT_TYPES), against bare
//   node:https verifying the same signatures with the same `stripe` package (baselines/webhooks.ts);
// - with fulfilment: `payment_intent.succeeded` for PaymentIntents the app created and the
//   emulator (a process of its own) reports paid, so each event costs a Stripe re-read over
//   HTTPS, the order match and the order's transaction. There is no baseline: the goal is absolute.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { productAt, itemAt } from '../../test-support/catalog';
import { launchApp, type LaunchedApp, type LogLine } from '../../test-support/app-launcher';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { HANDLED_EVENT_TYPES, type EventResult } from '../../server/src/payments/webhook-events';
import { httpsPostJson } from '../lib/https-client';
import { captureAnswer } from './app-sample';
import { startBaseline } from './baseline-process';
import type { BenchContext, BenchPath } from './context';
import { confirmIntent, createIntent, intentIdOf, retrieveIntent, type EmulatorIntent } from './emulator-api';
import { startEmulatorProcess } from './emulator-process';
import { compareSides, describeFailures, type LoadRun, type RunFigures } from './measure';
import { loadFigure, ratioOf } from './report';
import { WEBHOOK_PATH, createEventSigner, type SignedEventsOptions } from './scenarios/signed-events';

const SIGNED_EVENTS = path.join(REPO_ROOT, 'scripts', 'bench', 'scenarios', 'signed-events.ts');
const INGESTED_TYPE = 'payment_intent.created';
const FULFILLED_TYPE = 'payment_intent.succeeded';
/** PaymentIntents the fulfilment run's events cycle through (each paid once, then re-read). */
const FULFILMENT_ORDERS = 100;
/** What the app logs for an event of a payment that is not ours (webhook-events.ts). */
const UNMATCHED_EVENT = 'webhook event matches no order of ours';
const INGESTION_GOAL = { eventsPerSecond: 3_000, ratio: 0.5 };
const FULFILMENT_GOAL = 1_000;

/** A webhook signing secret of the format config.ts accepts. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('hex')}`;
}

/**
 * Checks in the app's log that every event of `type` it handled ended as `expected` (a bench
 * event that was a duplicate, or matched no order, would have measured less work than it claims).
 */
function expectEventResults(app: LaunchedApp, type: string, expected: EventResult): void {
  const lines = app.logLines().filter((line) => line['type'] === type);
  const results = lines.filter((line) => line['msg'] === 'webhook event').map((line) => String(line['result']));
  const unexpected = [
    ...results.filter((result) => result !== expected),
    ...lines.filter((line) => line['msg'] === UNMATCHED_EVENT).map(() => 'matched no order'),
  ];
  if (results.length === 0 || unexpected.length > 0) {
    throw new Error(
      `The app handled ${results.length} ${type} events, ${unexpected.length} not ${expected} (${unexpected.slice(0, 3).join(', ')}).`,
    );
  }
}

/** The app's lines for answers that were not 2xx, at most this many per status. */
const FAILED_LINES_PER_STATUS = 3;

/**
 * When a run had failures, says what they were: each status's count and first answer, and the
 * app's own line for the first few (the error code, and for a 5xx its cause).
 */
function reportFailures(context: BenchContext, app: LaunchedApp, figures: RunFigures): void {
  if (figures.failures === 0) return;
  const failed = app
    .logLines()
    .filter((line) => line['path'] === WEBHOOK_PATH && typeof line['status'] === 'number' && line['status'] >= 300);
  const byStatus = new Map<unknown, LogLine[]>();
  for (const line of failed) byStatus.set(line['status'], [...(byStatus.get(line['status']) ?? []), line]);
  context.log(
    [
      `The app's answers included ${figures.failures} failures:`,
      ...describeFailures(figures.evidence),
      ...[...byStatus.values()].flatMap((lines) => lines.slice(0, FAILED_LINES_PER_STATUS).map((line) => `app: ${JSON.stringify(line)}`)),
    ].join('\n  '),
  );
}

function eventLoad(context: BenchContext, options: SignedEventsOptions): LoadRun {
  return {
    ca: context.certificate.ca,
    connections: context.settings.connections,
    scenario: { module: SIGNED_EVENTS, options: { ...options } },
  };
}

export const benchWebhookIngestion: BenchPath = async (context) => {
  const { settings, certificate, catalog } = context;
  if ((HANDLED_EVENT_TYPES as readonly string[]).includes(INGESTED_TYPE)) {
    throw new Error(`${INGESTED_TYPE} is acted on now (HANDLED_EVENT_TYPES): pick a type the app only records.`);
  }
  context.log(`webhooks: signed ${INGESTED_TYPE} events, ${settings.connections} connections`);
  const secret = newWebhookSecret();
  const app = await launchApp({
    clientDistDir: settings.clientDir,
    ca: certificate.ca,
    env: { EMULATOR_WEBHOOK_SECRET: secret },
    nodeArgs: context.profileArgs('app'),
  });
  try {
    // A real PaymentIntent as data.object: the event is as large as Stripe's.
    const emulatorUrl = app.emulatorOrigin ?? '';
    const intent = await createIntent(emulatorUrl, certificate.ca, productAt(catalog, 0).unitAmount, catalog.currency);
    const events: SignedEventsOptions = { secret, type: INGESTED_TYPE, objects: [intent] };
    const sample = createEventSigner(events)();
    const answer = await captureAnswer(app.url, certificate.ca, { method: 'POST', path: WEBHOOK_PATH, ...sample });
    const baseline = await startBaseline('webhooks', {
      ...certificate,
      env: { BASELINE_PATH: WEBHOOK_PATH, BASELINE_ANSWER: JSON.stringify(answer), BASELINE_WEBHOOK_SECRET: secret },
    });
    try {
      const load = eventLoad(context, events);
      const results = await compareSides(settings, [
        { name: 'app', server: { pids: [app.pid], url: app.url }, load },
        { name: 'baseline', server: { pids: [baseline.pid], url: baseline.url }, load },
      ]);
      reportFailures(context, app, results.app);
      expectEventResults(app, INGESTED_TYPE, 'ignored');
      const appFigure = loadFigure(results.app, 'events/s');
      const baselineFigure = loadFigure(results.baseline, 'events/s');
      const ratio = ratioOf(appFigure, baselineFigure);
      return [
        {
          section: 'webhooks',
          path: `signed webhooks, pure ingestion (\`${INGESTED_TYPE}\`: verified, recorded once, no Stripe call); compared with verify only`,
          app: appFigure,
          baseline: baselineFigure,
          ratio,
          goal: `≥ ${INGESTION_GOAL.eventsPerSecond.toLocaleString('en-US')}/s and ≥ ${INGESTION_GOAL.ratio}×`,
          met: appFigure.value >= INGESTION_GOAL.eventsPerSecond && ratio !== null && ratio >= INGESTION_GOAL.ratio,
          failures: results.app.failures + results.baseline.failures,
        },
      ];
    } finally {
      await baseline.stop();
    }
  } finally {
    await app.stop();
    app.remove();
  }
};

/** Orders the app starts through its API (as the payment page does), paid in the emulator; returns each PaymentIntent as Stripe reports it now. */
async function createPaidOrders(app: LaunchedApp, emulatorUrl: string, context: BenchContext): Promise<EmulatorIntent[]> {
  const { ca } = context.certificate;
  const paid: EmulatorIntent[] = [];
  for (let index = 0; index < FULFILMENT_ORDERS; index++) {
    const response = await httpsPostJson(
      new URL('/api/payment-intents', app.url),
      { items: [itemAt(context.catalog, 0)] },
      { ca, headers: { origin: app.url } },
    );
    const { clientSecret } = JSON.parse(response.body.toString('utf8')) as { clientSecret: string };
    const id = intentIdOf(clientSecret);
    await confirmIntent(emulatorUrl, ca, id, clientSecret);
    paid.push(await retrieveIntent(emulatorUrl, ca, id));
  }
  return paid;
}

export const benchWebhookFulfilment: BenchPath = async (context) => {
  const { settings, certificate } = context;
  context.log(`fulfilment: signed ${FULFILLED_TYPE} events with a Stripe re-read, ${settings.connections} connections`);
  const secret = newWebhookSecret();
  // No endpoint: the bench sends the events itself, as fast as the app takes them.
  const emulator = await startEmulatorProcess({ ca: certificate.ca, nodeArgs: context.profileArgs('emulator') });
  try {
    const app = await launchApp({
      clientDistDir: settings.clientDir,
      ca: certificate.ca,
      nodeArgs: context.profileArgs('app'),
      env: {
        STRIPE_SECRET_KEY: 'sk_test_benchmark0123456789',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_benchmark0123456789',
        STRIPE_WEBHOOK_SECRET: secret,
        STRIPE_API_URL: emulator.url,
        // The setup starts FULFILMENT_ORDERS payments from one address; the limit is tested elsewhere.
        CHECKOUT_RATE_LIMIT: '10000',
      },
    });
    try {
      const intents = await createPaidOrders(app, emulator.url, context);
      const results = await compareSides(settings, [
        {
          name: 'app',
          // The app's CPU per event; the emulator answering its re-reads must be idle between runs too.
          server: { pids: [app.pid], settlePids: [app.pid, emulator.pid], url: app.url },
          load: eventLoad(context, { secret, type: FULFILLED_TYPE, objects: intents }),
        },
      ]);
      reportFailures(context, app, results.app);
      expectEventResults(app, FULFILLED_TYPE, 'processed');
      const appFigure = loadFigure(results.app, 'events/s');
      return [
        {
          section: 'fulfilment',
          path: `\`${FULFILLED_TYPE}\` with fulfilment (a Stripe re-read from the emulator, then the order's transaction)`,
          app: appFigure,
          baseline: null,
          ratio: null,
          goal: `≥ ${FULFILMENT_GOAL.toLocaleString('en-US')}/s`,
          met: appFigure.value >= FULFILMENT_GOAL,
          failures: results.app.failures,
        },
      ];
    } finally {
      await app.stop();
      app.remove();
    }
  } finally {
    await emulator.stop();
  }
};
