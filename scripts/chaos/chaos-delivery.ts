// A hostile webhook sender: the emulator's events, signed as Stripe signs them
// (emulator/src/webhooks/signature.ts), delivered to the app at least once (unless withheld
// on purpose, for reconciliation to find), with duplicates, in shuffled order, many at a
// time, mixed with forged, tampered, stale, malformed and oversized deliveries. A genuine
// delivery that gets no 2xx (the app was killed, a 5xx) is retried with backoff, as Stripe
// retries (https://docs.stripe.com/webhooks#retries); every other one must be refused.
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { signWebhookPayload, type EmulatorEvent } from '../../emulator/src/index';
import type { Random } from './prng';

export type AttackKind = 'forged' | 'tampered' | 'stale' | 'malformed' | 'oversized';

export interface ChaosDeliveryOptions {
  /** https://localhost:<port>/webhooks/stripe */
  url: string;
  secret: string;
  ca: string;
  random: Random;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** New events, oldest first, from `offset` on. */
  readEvents(offset: number): EmulatorEvent[];
  /** True once no more events will appear. */
  isProducerDone(): boolean;
  /** Called after each attempt (the kill schedule counts them). */
  onAttempt?(count: number): void;
  withholdRate?: number;
  duplicateRate?: number;
  /** Per event, the chance of each kind of attack delivery. */
  attackRates?: Partial<Record<AttackKind, number>>;
  /** At least this many oversized deliveries in the run (they are big: kept few). */
  minOversized?: number;
}

export interface DeliveryStats {
  events: number;
  withheld: number;
  /** Genuine deliveries scheduled: one per delivered event plus the duplicates. */
  genuine: number;
  duplicates: number;
  attempts: number;
  /** Attempts that got no answer or a 5xx (the app was down or dying) and were retried. */
  retried: number;
  acknowledged: number;
  attacks: Record<AttackKind, { sent: number; refused: number }>;
  /** Status codes the attacks got, e.g. { 400: 812, 413: 12 }. */
  attackStatuses: Record<string, number>;
}

export interface DeliveryResult {
  stats: DeliveryStats;
  /** Event ids the app answered 2xx for. */
  acknowledged: Set<string>;
  /** Event ids never sent (withheld for reconciliation). */
  withheld: Set<string>;
  /** Anything that must not happen: a genuine delivery refused, an attack accepted. */
  problems: string[];
}

interface Delivery {
  attack: AttackKind | null;
  variant: string;
  event: EmulatorEvent;
  payload: string;
  attempts: number;
  notBefore: number;
}

const EXPECTED_STATUS: Record<AttackKind, number> = {
  forged: 400,
  tampered: 400,
  stale: 400,
  malformed: 400,
  // The raw body parser stops at its limit before any signature work: 413 Payload Too Large.
  oversized: 413,
};
const DEFAULT_ATTACK_RATES: Record<AttackKind, number> = { forged: 0.02, tampered: 0.01, stale: 0.02, malformed: 0.02, oversized: 0.001 };
const ONE_MEGABYTE = 1024 * 1024;
const MAX_ATTACK_ATTEMPTS = 30;
const REQUEST_TIMEOUT_MS = 30_000;

export async function deliverWithChaos(options: ChaosDeliveryOptions): Promise<DeliveryResult> {
  const { random } = options;
  const rates = { ...DEFAULT_ATTACK_RATES, ...options.attackRates };
  const withholdRate = options.withholdRate ?? 0.05;
  const duplicateRate = options.duplicateRate ?? 0.2;
  const stats: DeliveryStats = {
    events: 0,
    withheld: 0,
    genuine: 0,
    duplicates: 0,
    attempts: 0,
    retried: 0,
    acknowledged: 0,
    attacks: {
      forged: { sent: 0, refused: 0 },
      tampered: { sent: 0, refused: 0 },
      stale: { sent: 0, refused: 0 },
      malformed: { sent: 0, refused: 0 },
      oversized: { sent: 0, refused: 0 },
    },
    attackStatuses: {},
  };
  const acknowledged = new Set<string>();
  const withheld = new Set<string>();
  const problems: string[] = [];
  // Stripe's sender speaks TLS 1.2; keep-alive (unlike Stripe) keeps 10,000 payments quick.
  const agent = new https.Agent({ ca: options.ca, keepAlive: true, maxSockets: options.concurrency, maxVersion: 'TLSv1.2' });
  const ready: Delivery[] = [];
  const waiting: Delivery[] = [];
  let offset = 0;
  let inFlight = 0;
  let lastEvent: EmulatorEvent | null = null;

  const schedule = (delivery: Delivery, delayMs: number) => {
    delivery.notBefore = Date.now() + delayMs;
    waiting.push(delivery);
  };

  function takeNewEvents(): void {
    const events = options.readEvents(offset);
    offset += events.length;
    for (const event of events) {
      stats.events += 1;
      lastEvent = event;
      // Serialised once, as Stripe does: every attempt carries the same bytes.
      const payload = JSON.stringify({ ...event, pending_webhooks: 1 }, null, 2);
      const copy = (attack: AttackKind | null, variant = ''): Delivery => ({ attack, variant, event, payload, attempts: 0, notBefore: 0 });
      if (random.chance(withholdRate)) {
        withheld.add(event.id);
        stats.withheld += 1;
      } else {
        stats.genuine += 1;
        // A random hold-back shuffles the order beyond what concurrency alone does.
        schedule(copy(null), random.int(0, 400));
        if (random.chance(duplicateRate)) {
          stats.duplicates += 1;
          stats.genuine += 1;
          schedule(copy(null, 'duplicate'), random.int(0, 2_000));
        }
      }
      for (const attack of Object.keys(rates) as AttackKind[]) {
        if (random.chance(rates[attack])) schedule(copy(attack, random.pick(ATTACK_VARIANTS[attack])), random.int(0, 1_000));
      }
    }
  }

  function promoteDue(): void {
    const now = Date.now();
    for (let i = waiting.length - 1; i >= 0; i -= 1) {
      const delivery = waiting[i];
      if (delivery && delivery.notBefore <= now) {
        ready.push(delivery);
        waiting[i] = waiting[waiting.length - 1] as Delivery;
        waiting.pop();
      }
    }
  }

  /** A random ready delivery (swap-remove): the order is shuffled. */
  function takeReady(): Delivery | undefined {
    if (ready.length === 0) return undefined;
    const index = random.int(0, ready.length - 1);
    const delivery = ready[index];
    ready[index] = ready[ready.length - 1] as Delivery;
    ready.pop();
    return delivery;
  }

  async function attempt(delivery: Delivery): Promise<void> {
    delivery.attempts += 1;
    stats.attempts += 1;
    options.onAttempt?.(stats.attempts);
    const { body, signature } = buildRequest(delivery, options.secret);
    const status = await post(options.url, agent, body, signature);
    if (delivery.attack === null) {
      if (status !== null && status >= 200 && status < 300) {
        stats.acknowledged += 1;
        acknowledged.add(delivery.event.id);
      } else if (status === null || status >= 500) {
        stats.retried += 1;
        schedule(delivery, Math.min(2_000, 50 * 2 ** Math.min(delivery.attempts, 6)));
      } else {
        problems.push(`genuine delivery of ${delivery.event.id} (${delivery.event.type}) refused with ${status}`);
      }
      return;
    }
    const attack = stats.attacks[delivery.attack];
    if (status === null || status >= 500) {
      // No answer: the app was down. Send it again until the app itself refuses it.
      if (delivery.attempts < MAX_ATTACK_ATTEMPTS) {
        stats.retried += 1;
        schedule(delivery, Math.min(2_000, 50 * 2 ** Math.min(delivery.attempts, 6)));
        return;
      }
    }
    attack.sent += 1;
    stats.attackStatuses[String(status)] = (stats.attackStatuses[String(status)] ?? 0) + 1;
    if (status === EXPECTED_STATUS[delivery.attack]) attack.refused += 1;
    else
      problems.push(
        `${delivery.attack} delivery (${delivery.variant}) of ${delivery.event.id} answered ${status ?? 'nothing'}, expected ${EXPECTED_STATUS[delivery.attack]}`,
      );
  }

  const done = () =>
    options.isProducerDone() && options.readEvents(offset).length === 0 && ready.length === 0 && waiting.length === 0 && inFlight === 0;

  let oversizedTopUp = false;
  async function worker(): Promise<void> {
    for (;;) {
      takeNewEvents();
      promoteDue();
      const delivery = takeReady();
      if (delivery) {
        inFlight += 1;
        try {
          await attempt(delivery);
        } finally {
          inFlight -= 1;
        }
        continue;
      }
      if (done()) {
        // Oversized bodies are rare by rate; make sure a small run sends some too.
        const missing =
          (options.minOversized ?? 2) -
          (stats.attacks.oversized.sent + waiting.concat(ready).filter((d) => d.attack === 'oversized').length);
        if (!oversizedTopUp && missing > 0 && lastEvent) {
          oversizedTopUp = true;
          const event: EmulatorEvent = lastEvent;
          for (let i = 0; i < missing; i += 1) {
            schedule({ attack: 'oversized', variant: 'signed', event, payload: JSON.stringify(event), attempts: 0, notBefore: 0 }, 0);
          }
          continue;
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  agent.destroy();
  return { stats, acknowledged, withheld, problems };
}

const ATTACK_VARIANTS: Record<AttackKind, readonly string[]> = {
  forged: ['wrong secret', 'no v1', 'v0 only'],
  tampered: ['status changed', 'other event id'],
  stale: ['six minutes old', 'a day old'],
  malformed: ['truncated JSON', 'not an event', 'empty body', 'binary garbage', 'no signature header', 'garbled header'],
  oversized: ['signed', 'unsigned'],
};

/** The bytes and the Stripe-Signature header of one attempt, signed now. */
function buildRequest(delivery: Delivery, secret: string): { body: Buffer; signature: string | null } {
  const now = Math.floor(Date.now() / 1000);
  const { payload } = delivery;
  const sign = (body: string, key = secret, at = now) => signWebhookPayload(body, key, at);
  switch (delivery.attack) {
    case null:
      return { body: Buffer.from(payload), signature: sign(payload) };
    case 'forged': {
      const wrongSecret = `whsec_${randomBytes(24).toString('base64url')}`;
      if (delivery.variant === 'no v1') return { body: Buffer.from(payload), signature: `t=${now}` };
      if (delivery.variant === 'v0 only') return { body: Buffer.from(payload), signature: sign(payload).replace('v1=', 'v0=') };
      return { body: Buffer.from(payload), signature: sign(payload, wrongSecret) };
    }
    case 'tampered': {
      // Signed for the original bytes, sent with different ones.
      const altered =
        delivery.variant === 'status changed'
          ? payload.replace(/"status": "[a-z_]+"/, '"status": "succeeded"').replace('"livemode": false', '"livemode": true')
          : payload.replace(delivery.event.id, `evt_${randomBytes(12).toString('hex')}`);
      return { body: Buffer.from(altered === payload ? `${payload} ` : altered), signature: sign(payload) };
    }
    case 'stale':
      return { body: Buffer.from(payload), signature: sign(payload, secret, now - (delivery.variant === 'a day old' ? 86_400 : 360)) };
    case 'malformed': {
      const signed = (body: string) => ({ body: Buffer.from(body), signature: sign(body) });
      switch (delivery.variant) {
        case 'truncated JSON':
          return signed(payload.slice(0, Math.floor(payload.length / 2)));
        case 'not an event':
          return signed(JSON.stringify({ object: 'list', data: [], id: 'not_an_event' }));
        case 'empty body':
          return signed('');
        case 'binary garbage': {
          const garbage = randomBytes(256);
          return { body: garbage, signature: sign(garbage.toString('utf8')) };
        }
        case 'no signature header':
          return { body: Buffer.from(payload), signature: null };
        default:
          return { body: Buffer.from(payload), signature: 't=notanumber,v1=zz,,=' };
      }
    }
    case 'oversized': {
      // A real event padded past 1 MB: valid JSON, and signed when the variant says so.
      const padded = JSON.stringify({ ...delivery.event, padding: 'x'.repeat(ONE_MEGABYTE + 1024) });
      return { body: Buffer.from(padded), signature: delivery.variant === 'signed' ? sign(padded) : null };
    }
  }
}

/** One POST; the status, or null when there was no answer (refused, reset, timed out). */
function post(url: string, agent: https.Agent, body: Buffer, signature: string | null): Promise<number | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status: number | null) => {
      if (settled) return;
      settled = true;
      resolve(status);
    };
    const request = https.request(url, {
      method: 'POST',
      agent,
      timeout: REQUEST_TIMEOUT_MS,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        ...(signature === null ? {} : { 'stripe-signature': signature }),
      },
    });
    request.on('response', (response) => {
      response.resume();
      // The status is the answer, even if the server closes before the body ends (a 413).
      finish(response.statusCode ?? null);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => finish(null));
    request.end(body);
  });
}
