// The chaos run: N payments over every outcome, their webhooks delivered with
// duplicates, shuffled, concurrently, among forged, stale, malformed and oversized ones,
// while the app is SIGKILLed and restarted (reconciling at each start); at the end the
// order table must equal the emulator's truth exactly. Used by `npm run test:chaos` (cli.ts)
// and, smaller, by scripts/test/chaos.test.ts inside `npm test`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { RATE_LIMIT_PROFILES, startEmulator } from '../../emulator/src/index';
import type { ReconcileSummary } from '../../server/src/payments/reconcile';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import type { LaunchedApp } from '../../test-support/app-launcher';
import { httpsGet } from '../lib/https-client';
import { deliverWithChaos, type DeliveryResult, type DeliveryStats } from './chaos-delivery';
import { checkProcessedEvents, checkTransitions, compareOrders, computeExpectedOrders } from './ground-truth';
import { launchChaosApp, processedByWebhook, runReconcileCli, waitForReconciled } from './chaos-app';
import { readOrderTable } from './order-table';
import { carryOutPayment, expectedEventCount, planPayments, type AppApi, type ExpectedStatus, type StartedPayment } from './payments';
import { createRandom } from './prng';

export interface ChaosOptions {
  payments: number;
  seed: number;
  /** SIGKILLs during delivery (at least this many). */
  kills: number;
  /** Webhook deliveries in flight at once (default 16). */
  concurrency?: number;
  /** Customers starting payments at once (default 4). */
  customers?: number;
  /**
   * Stripe's API rate limits on the emulator ('test' or 'live' mode's). Customers then start
   * payments at a pace the limit allows on average (paymentsPerSecond), and other traffic on
   * the account spends the whole allowance every few seconds, so the app meets 429s: its
   * client retries them, and a webhook still refused answers 5xx and is delivered again.
   */
  rateLimit?: 'test' | 'live';
  /** Payments started per second at most; default unpaced, or the rate limit's pace. */
  paymentsPerSecond?: number;
  /** The app's database; default a fresh SQLite file in a temp folder. Must hold no orders. */
  databaseUrl?: string;
  /** Progress lines for people (the CLI prints them). */
  progress?: (line: string) => void;
}

export interface ChaosReport {
  seed: number;
  payments: number;
  byOutcome: Record<string, number>;
  byFlow: Record<string, number>;
  byStatus: Record<ExpectedStatus, number>;
  events: number;
  delivery: DeliveryStats;
  kills: number;
  /** One per app start: the initial one, then one after each kill. */
  startupReconciles: ReconcileSummary[];
  finalReconcile: ReconcileSummary;
  ordersInTable: number;
  processedEvents: number;
  /** Rows in the order_transitions audit trail; null when the schema has none (not checked). */
  transitions: number | null;
  elapsedSeconds: number;
  /** Every difference from the truth and every broken rule; empty means the run passed. */
  mismatches: string[];
  /** The app's log and the SQLite file, kept when the run failed. */
  dir: string;
  /** The app's Stripe API requests the emulator answered 429 (0 without rateLimit). */
  rateLimited: number;
}

const STATUSES: readonly ExpectedStatus[] = ['pending', 'paid', 'failed', 'expired', 'refunded', 'disputed'];
/** Stripe calls a payment costs the app, about: its start, then one or two reads per event. */
const STRIPE_CALLS_PER_PAYMENT = 6;
/** How often other traffic on the account spends the whole second's allowance (rateLimit only). */
const NEIGHBOUR_BURST_MS = 3_000;

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const progress = options.progress ?? (() => {});
  // The app runs in a temp folder: a relative SQLite path must name the same file for it and for us.
  const givenUrl = options.databaseUrl?.startsWith('file:')
    ? `file:${path.resolve(options.databaseUrl.slice('file:'.length))}`
    : options.databaseUrl;
  if (givenUrl) {
    const existing = await readOrderTable(givenUrl).catch(() => null);
    if (existing && existing.orders.length > 0)
      throw new Error(`${options.databaseUrl} already holds ${existing.orders.length} orders: point DATABASE_URL at an empty database.`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-'));
  const databaseUrl = givenUrl ?? `file:${path.join(dir, 'app.sqlite')}`;

  // No webhook endpoint: the chaos deliverer below is the only sender.
  const emulator = await startEmulator({
    port: 0,
    publicOrigins: 'local',
    logger: pino({ level: 'silent' }),
    rateLimit: options.rateLimit ?? null,
  });
  const paymentsPerSecond =
    options.paymentsPerSecond ??
    (options.rateLimit ? RATE_LIMIT_PROFILES[options.rateLimit].globalPerSecond / STRIPE_CALLS_PER_PAYMENT : Number.POSITIVE_INFINITY);
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  let launched: LaunchedApp | undefined;
  let succeeded = false;
  try {
    progress(`seed ${options.seed}: ${options.payments} payments, ${options.kills} kills; emulator ${emulator.url}, files in ${dir}`);
    const app = (launched = await launchChaosApp({ dir, emulatorUrl: emulator.url, webhookSecret, databaseUrl, ca: emulator.ca }));
    progress(`app ${app.url}`);
    const startupReconciles = [await waitForReconciled(app)];

    const busy = { answers: 0 };
    const api = createAppApi(app.url, emulator.ca, busy);
    const products = await listProducts(app.url, emulator.ca);
    const plan = planPayments(createRandom(options.seed), options.payments, products);
    const estimate = expectedEventCount(plan);

    // Checkout starts are never cut by a kill (the harness would lose track of the order);
    // webhook deliveries are, at any moment.
    const gate = createGate();
    const startedPayments: StartedPayment[] = [];
    let next = 0;
    let producerDone = false;
    const producingSince = Date.now();
    const customer = async () => {
      for (let index = next++; index < plan.length; index = next++) {
        const payment = plan[index];
        if (!payment) break;
        const startAt = producingSince + (index * 1000) / paymentsPerSecond;
        if (startAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, startAt - Date.now()));
        await gate.enter();
        try {
          startedPayments.push(await carryOutPayment(payment, api, emulator));
        } finally {
          gate.leave();
        }
      }
    };
    const producing = Promise.all(Array.from({ length: options.customers ?? 4 }, () => customer())).finally(() => {
      producerDone = true;
    });

    // Kill points: attempt counts drawn from the seed, spread over the first 85% of the run.
    const killRandom = createRandom(options.seed ^ 0x5eed);
    const killPoints = Array.from({ length: options.kills }, () =>
      Math.max(1, Math.floor(estimate * (0.05 + killRandom.next() * 0.8))),
    ).sort((a, b) => a - b);
    let kills = 0;
    let killing: Promise<void> | null = null;
    const killAndRestart = async () => {
      await gate.close();
      try {
        await app.kill();
        kills += 1;
        progress(`SIGKILL ${kills}/${options.kills} after ${attemptsSoFar} delivery attempts; restarting`);
        await app.start();
      } finally {
        gate.open();
      }
      const summary = await waitForReconciled(app);
      startupReconciles.push(summary);
      progress(`restarted; startup reconciliation: ${JSON.stringify(summary)}`);
    };
    let attemptsSoFar = 0;
    const onAttempt = (count: number) => {
      attemptsSoFar = count;
      const point = killPoints[kills];
      if (killing || point === undefined || count < point) return;
      killing = killAndRestart().finally(() => {
        killing = null;
      });
    };

    const neighbour = options.rateLimit ? startNoisyNeighbour(emulator, RATE_LIMIT_PROFILES[options.rateLimit].globalPerSecond) : null;
    const ticker = setInterval(
      () => progress(`${startedPayments.length}/${plan.length} payments started, ${attemptsSoFar} delivery attempts, ${kills} kills`),
      5_000,
    );
    ticker.unref();
    let delivery: DeliveryResult;
    try {
      [delivery] = await Promise.all([
        deliverWithChaos({
          url: `${app.url}/webhooks/stripe`,
          secret: webhookSecret,
          ca: emulator.ca,
          random: createRandom(options.seed ^ 0xde11),
          concurrency: options.concurrency ?? 16,
          readEvents: (offset) => emulator.state.readEvents(offset),
          isProducerDone: () => producerDone,
          onAttempt,
          minOversized: 2,
        }),
        producing,
      ]);
      while (killing) await killing;
      // Should the run end before every kill point: kill at the end, so there are always enough.
      while (kills < options.kills) {
        killing = killAndRestart();
        await killing;
        killing = null;
      }
    } finally {
      clearInterval(ticker);
      neighbour?.stop();
    }

    // Events withheld after the last restart are found by `npm run reconcile`, as in production.
    const finalReconcile = await runReconcileCli(app);
    progress(`npm run reconcile: ${JSON.stringify(finalReconcile)}`);
    await app.stop();

    const events = emulator.state.readEvents();
    const table = await readOrderTable(databaseUrl);
    const mismatches = [...delivery.problems];
    const expected = computeExpectedOrders(emulator, startedPayments, events, mismatches);
    mismatches.push(...compareOrders(expected, table, busy.answers));
    mismatches.push(
      ...checkProcessedEvents({
        events,
        handledTypes: HANDLED_EVENT_TYPES,
        table,
        acknowledged: delivery.acknowledged,
        processedByWebhook: processedByWebhook(app),
      }),
    );
    mismatches.push(...checkTransitions(table));
    for (const [index, summary] of startupReconciles.entries()) {
      if (summary.failed > 0) mismatches.push(`startup reconciliation ${index}: ${summary.failed} events failed`);
    }
    if (finalReconcile.failed > 0) mismatches.push(`npm run reconcile: ${finalReconcile.failed} events failed`);
    if (kills < options.kills) mismatches.push(`only ${kills} of ${options.kills} kills happened`);

    const byStatus = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<ExpectedStatus, number>;
    for (const { row } of expected.values()) byStatus[row.status as ExpectedStatus] += 1;
    succeeded = mismatches.length === 0;
    return {
      seed: options.seed,
      payments: startedPayments.length,
      byOutcome: countBy(startedPayments.map((payment) => payment.planned.outcome)),
      byFlow: countBy(startedPayments.map((payment) => payment.planned.flow)),
      byStatus,
      events: events.length,
      delivery: delivery.stats,
      kills,
      startupReconciles,
      finalReconcile,
      ordersInTable: table.orders.length,
      processedEvents: table.processedEvents.length,
      transitions: table.transitions?.length ?? null,
      elapsedSeconds: (Date.now() - started) / 1000,
      mismatches,
      dir,
      rateLimited: emulator.rateLimited() - (neighbour?.limited ?? 0),
    };
  } catch (error) {
    const log = launched ? `\nApp log: ${launched.logFile}\n${launched.tail()}` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}${log}`, { cause: error });
  } finally {
    await launched?.stop().catch(() => {});
    await emulator.close();
    if (succeeded) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Another integration on the same Stripe account (a report, a back-office job): for one second
 * in every few it calls at twice the allowed rate, so the allowance stays spent that second
 * whatever the machine's speed, and the app's calls then get 429s until its retries outlast
 * the burst. It counts the 429s it got itself.
 */
function startNoisyNeighbour(emulator: { url: string; ca: string }, allowance: number): { stop(): void; readonly limited: number } {
  const agent = new https.Agent({ ca: emulator.ca, keepAlive: true });
  const tickMs = 100;
  let limited = 0;
  let ticks = 0;
  const tick = () => {
    ticks += 1;
    if ((ticks * tickMs) % NEIGHBOUR_BURST_MS >= 1_000) return;
    for (let i = 0; i < Math.ceil((2 * allowance * tickMs) / 1_000); i += 1)
      https
        .get(`${emulator.url}/v1/charges/ch_neighbour${i}`, { agent }, (response) => {
          if (response.statusCode === 429) limited += 1;
          response.resume();
        })
        .on('error', () => undefined);
  };
  const timer = setInterval(tick, tickMs);
  return {
    get limited() {
      return limited;
    },
    stop() {
      clearInterval(timer);
      agent.destroy();
    },
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Lets work in flight finish before it closes, and holds new work until it opens. */
function createGate() {
  let active = 0;
  let closed: Promise<void> | null = null;
  let reopen: () => void = () => {};
  let drained: (() => void) | null = null;
  return {
    async enter() {
      while (closed) await closed;
      active += 1;
    },
    leave() {
      active -= 1;
      if (active === 0) drained?.();
    },
    async close() {
      closed = new Promise((resolve) => (reopen = resolve));
      if (active > 0) await new Promise<void>((resolve) => (drained = resolve));
      drained = null;
    },
    open() {
      closed = null;
      reopen();
    },
  };
}

/**
 * POSTs to the app's API as customers' browsers would, from 32 loopback addresses
 * (127.0.0.2-127.0.0.33): the per-client rate limits see many customers, as they would in a
 * shop with 10,000 buyers, instead of one client asking 10,000 times. A 503 with Retry-After
 * (Stripe still rate-limiting the start) is what a shopper would press again after: the harness
 * waits as told and sends it again, and counts it in `busy` (each left a pending order that no
 * Stripe object will ever pay: the ground truth expects exactly that many).
 */
export function createAppApi(appUrl: string, ca: string, busy: { answers: number }): AppApi {
  const agent = new https.Agent({ ca, keepAlive: true, servername: 'localhost' });
  const { port } = new URL(appUrl);
  let calls = 0;
  const call = (pathname: string, body: unknown, retried = false): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const localAddress = `127.0.0.${2 + (calls++ % 32)}`;
      const request = https.request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          path: pathname,
          method: 'POST',
          agent,
          localAddress,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const retryAfter = Number(response.headers['retry-after']);
            if (response.statusCode === 503 && retryAfter > 0) {
              busy.answers += 1;
              setTimeout(() => resolve(call(pathname, body)), retryAfter * 1000);
            } else if (response.statusCode !== 201) reject(new Error(`POST ${pathname} answered ${response.statusCode}: ${text}`));
            else resolve(JSON.parse(text) as unknown);
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive connection just as we reused it: the request never
        // reached the app, so sending it again is safe (https://nodejs.org/api/http.html#requestreusedsocket).
        if (request.reusedSocket && error.code === 'ECONNRESET' && !retried) resolve(call(pathname, body, true));
        else reject(error);
      });
      request.end(payload);
    });
  return (pathname, body) => call(pathname, body);
}

async function listProducts(appUrl: string, ca: string): Promise<string[]> {
  const text = (await httpsGet(new URL('/api/products', appUrl), { ca })).body.toString('utf8');
  const parsed: unknown = JSON.parse(text);
  const products: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'products') : undefined;
  const ids = Array.isArray(products)
    ? products.map((product: unknown) => (typeof product === 'object' && product !== null ? Reflect.get(product, 'id') : undefined))
    : [];
  const valid = ids.filter((id): id is string => typeof id === 'string');
  if (valid.length === 0) throw new Error(`GET /api/products listed no products: ${text}`);
  return valid;
}
