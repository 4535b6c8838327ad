// The contract check, offline: the emulator's answers to the app's Stripe calls (and the events
// it reads) hold every field the app reads, with a JSON type Stripe sends (the fixtures in
// test-support/stripe-contract, seeded from the SDK's types or recorded from Stripe's test mode).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeClient, STRIPE_API_VERSION } from '../../server/src/payments/stripe-client';
import { reportCheckoutSession, reportPaymentIntent } from '../../server/src/payments/payment-sources';
import { retrieveDisputedPaymentIntent, retrieveFullyRefundedPaymentIntent } from '../../server/src/payments/fulfilment';
import { APP_STRIPE_CALLS, STRIPE_FIELDS_READ, type StripeAnswerName } from '../../server/src/payments/stripe-fields-read';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import { createCheckoutSession } from '../../server/src/payments/checkout';
import { createPaymentIntent } from '../../server/src/payments/payment-intents';
import { openDatabase } from '../../server/src/store/database';
import { createOrderStore, type OrderStore } from '../../server/src/store/order-store';
import { itemAt, loadActiveCatalog } from '../../test-support/catalog';
import { startTestEmulator, type Emulator } from '../../server/test/helpers/emulator';
import { collectAnswers, type ContractAnswers, type ContractDriver } from '../../test-support/stripe-contract/answers';
import {
  ANSWER_NAMES,
  CONTRACT_DIR,
  contractViolations,
  readFixture,
  typeOf,
  valuesAt,
  type FieldType,
} from '../../test-support/stripe-contract/contract';
import { keysStripeSends, missingKeys, readKeysSent, SDK_OBJECTS } from '../../test-support/stripe-contract/required-keys';
import { stripePackageVersion } from '../../test-support/stripe-contract/sdk-types';
import type Stripe from 'stripe';
import { tsxNodeArgs } from '../../test-support/tsx-node';
import { recordContract } from '../stripe-contract/record-contract';

const CARD_SUCCEEDS = '4242424242424242';

function emulatorDriver(emulator: Emulator): ContractDriver {
  return {
    payCheckoutSession: async (session, delayed) => {
      const email = delayed ? 'buyer+delayed@example.com' : 'buyer@example.com';
      emulator.actions.payCheckoutSession(session.id, { number: CARD_SUCCEEDS, email });
      if (delayed) emulator.actions.settleDelayedPayment(session.id, delayed);
      return true;
    },
    eventually: async (check) => {
      const found = await check();
      if (found === undefined) throw new Error('The emulator acts at once: nothing to wait for');
      return found;
    },
  };
}

let emulator: Emulator;
let stripe: Stripe;
let answers: ContractAnswers;
beforeAll(async () => {
  emulator = await startTestEmulator();
  stripe = createStripeClient({ secretKey: 'sk_test_contractCheck', apiUrl: new URL(emulator.url), ca: emulator.ca });
  answers = await collectAnswers(stripe, emulatorDriver(emulator));
});
afterAll(() => emulator?.close());

describe('the Stripe contract fixtures', () => {
  it('cover every call of stripe-permissions.ts and every handled event type, field for field, and say where they came from', () => {
    expect(ANSWER_NAMES.toSorted()).toEqual([...APP_STRIPE_CALLS, ...HANDLED_EVENT_TYPES.map((type) => `event:${type}`)].toSorted());
    for (const name of ANSWER_NAMES) {
      const fixture = readFixture(name);
      expect(fixture.source, name).toMatch(/^(stripe-node \d+\.\d+\.\d+ types|Stripe test mode, \d{4}-\d\d-\d\d, API version \S+)$/);
      expect(Object.keys(fixture.fields).toSorted(), name).toEqual([...STRIPE_FIELDS_READ[name]].toSorted());
    }
  });
});

describe("the emulator's answers against the contract", () => {
  it('answer every call and event, and reach every field the app reads', () => {
    for (const name of ANSWER_NAMES) {
      const got = answers[name] ?? [];
      expect(got.length, name).toBeGreaterThan(0);
      const unreached = STRIPE_FIELDS_READ[name].filter((field) => got.every((answer) => valuesAt(answer, field).length === 0));
      expect(unreached, name).toEqual([]);
    }
  });

  it('hold every field the app reads, with a type Stripe sends', () => {
    const violations = ANSWER_NAMES.flatMap((name) =>
      (answers[name] ?? []).flatMap((answer) => contractViolations(readFixture(name), answer)),
    );
    expect(violations).toEqual([]);
  });

  it('fail the check when a field the app reads is removed or retyped in an answer', () => {
    for (const name of ANSWER_NAMES) {
      const fixture = readFixture(name);
      for (const [field, allowed] of Object.entries(fixture.fields)) {
        const answer = (answers[name] ?? []).find((candidate) => valuesAt(candidate, field).some((value) => typeOf(value) !== 'absent'));
        if (!answer) continue; // unreached: the test above fails
        const other: FieldType = allowed.includes('number') ? 'boolean' : 'number';
        if (!allowed.includes('absent'))
          expect(contractViolations(fixture, altered(answer, field, undefined)), `${name} without ${field}`).toEqual([
            expect.stringMatching(new RegExp(`^${escape(field)}: missing`)),
          ]);
        expect(contractViolations(fixture, altered(answer, field, other === 'number' ? 7 : true)), `${name} ${field} retyped`).toEqual([
          expect.stringMatching(new RegExp(`^${escape(field)}: ${other}`)),
        ]);
      }
    }
  });
});

describe('every key Stripe sends on the objects the emulator answers with', () => {
  const expected = keysStripeSends();

  it(`comes from stripe-node ${stripePackageVersion()}'s types (declared without ?) and Stripe's example objects (keys-sent.json)`, () => {
    expect(readKeysSent().source).toMatch(/^stripe\/openapi openapi\/fixtures3\.json, commit [0-9a-f]{40} \(\d{4}-\d\d-\d\d\)$/);
    expect(Object.keys(readKeysSent().objects).toSorted()).toEqual(Object.keys(SDK_OBJECTS).toSorted());
    // The keys the issue named, which the types mark optional: present because the examples carry them.
    expect(expected['payment_intent']).toEqual(expect.arrayContaining(['amount_details', 'transfer_data']));
    expect(expected['checkout.session']).toContain('phone_number_collection');
  });

  /** A refund as created and as retrieved: the app's calls never answer with one. */
  async function refundAnswers(): Promise<unknown[]> {
    const intent = await stripe.paymentIntents.create({ amount: 1234, currency: 'usd', automatic_payment_methods: { enabled: true } });
    await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    const refund = await stripe.refunds.create({ payment_intent: intent.id });
    return [refund, await stripe.refunds.retrieve(refund.id, { expand: ['balance_transaction'] })];
  }

  it("is in each such object of every answer: expanded ones, lists and events' objects included", async () => {
    const seen = new Set<string>();
    const all = [...ANSWER_NAMES.flatMap((name) => answers[name] ?? []), ...(await refundAnswers())];
    const missing = new Set(all.flatMap((answer) => missingKeys(answer, expected, seen)));
    expect([...missing].toSorted()).toEqual([]);
    // The app's calls reach every object type checked, so none is checked vacuously.
    expect([...seen].toSorted()).toEqual(Object.keys(SDK_OBJECTS).toSorted());
  });

  it('fails on an answer that lacks one of them', () => {
    const intent = (answers['paymentIntents.retrieve'] ?? [])[0] as Record<string, unknown>;
    for (const key of ['amount_details', 'transfer_data', 'latest_charge']) {
      const without = { ...intent };
      delete without[key];
      expect(missingKeys(without, expected), key).toEqual([`payment_intent.${key}`]);
    }
  });
});

/** A copy of the answer with the field (at its first place) removed (undefined) or set to another value. */
function altered(answer: unknown, field: string, value: unknown): unknown {
  const copy = structuredClone(answer) as Record<string, unknown>;
  const segments = field.split('.');
  let parent: unknown = copy;
  for (const segment of segments.slice(0, -1)) {
    const child = (parent as Record<string, unknown>)[segment.replace(/\[\]$/, '')];
    parent = segment.endsWith('[]') ? (child as unknown[])[0] : child;
  }
  const key = segments.at(-1)!;
  if (value === undefined) delete (parent as Record<string, unknown>)[key];
  else (parent as Record<string, unknown>)[key] = value;
  return copy;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The answer behind a proxy that records each field path read from it (`a.b.c`). */
function recordingReads(answer: unknown, read: Set<string>, prefix = ''): unknown {
  if (answer === null || typeof answer !== 'object') return answer;
  return new Proxy(answer, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || key === 'then' || key === 'toJSON') return value;
      const field = `${prefix}${key}`;
      read.add(field);
      return recordingReads(value, read, `${field}.`);
    },
  });
}

describe('the list of fields read (stripe-fields-read.ts)', () => {
  /** The app's own reader of each retrieval, on an answer: the fields it touched. */
  const readers: Partial<Record<StripeAnswerName, (answer: unknown) => Promise<unknown>>> = {
    'checkout.sessions.retrieve': async (answer) => reportCheckoutSession(answer as Stripe.Checkout.Session),
    'paymentIntents.retrieve': async (answer) => reportPaymentIntent(answer as Stripe.PaymentIntent),
    'charges.retrieve': (answer) =>
      retrieveFullyRefundedPaymentIntent({ charges: { retrieve: async () => answer } } as unknown as Stripe, 'ch_'),
    'disputes.retrieve': (answer) =>
      retrieveDisputedPaymentIntent({ disputes: { retrieve: async () => answer } } as unknown as Stripe, 'dp_'),
  };

  // The creates: the app's own create functions, with a client whose create gives the emulator's answer (behind the proxy).
  const catalog = loadActiveCatalog();
  const creators: Partial<Record<StripeAnswerName, (answer: unknown, raw: unknown, store: OrderStore) => Promise<unknown>>> = {
    'checkout.sessions.create': (answer, raw, store) => {
      const stripe = { checkout: { sessions: { create: async () => answer } } } as unknown as Stripe;
      const uiMode = (raw as Stripe.Checkout.Session).ui_mode === 'embedded_page' ? 'embedded_page' : 'hosted_page';
      return createCheckoutSession({ stripe, store, catalog, publicUrl: 'https://localhost:4242' }, [itemAt(catalog, 0)], uiMode);
    },
    'paymentIntents.create': (answer, _raw, store) => {
      const stripe = { paymentIntents: { create: async () => answer } } as unknown as Stripe;
      return createPaymentIntent({ stripe, store, catalog }, [itemAt(catalog, 0)]);
    },
  };

  it.each(Object.keys(creators) as StripeAnswerName[])('%s: is exactly what the create reads of the answers', async (name) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stripe-contract-db-'));
    const db = await openDatabase({ engine: 'sqlite', file: path.join(dir, 'app.sqlite') });
    try {
      const read = new Set<string>();
      for (const answer of answers[name] ?? []) await creators[name]!(recordingReads(answer, read), answer, createOrderStore(db));
      expect([...read].toSorted()).toEqual([...STRIPE_FIELDS_READ[name]].toSorted());
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(Object.keys(readers) as StripeAnswerName[])('%s: is exactly what fulfilment reads of the answers', async (name) => {
    const read = new Set<string>();
    for (const answer of answers[name] ?? []) await readers[name]!(recordingReads(answer, read));
    expect([...read].toSorted()).toEqual([...STRIPE_FIELDS_READ[name]].toSorted());
  });
});

describe('recording the fixtures (npm run test:contract)', () => {
  it("writes each answer's field types, never a value, with its source; what it cannot reach keeps its earlier types", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stripe-contract-'));
    try {
      cpSync(CONTRACT_DIR, dir, { recursive: true });
      // As on Stripe: a Checkout Session cannot be paid through the API (the events come from the account's earlier ones).
      const driver: ContractDriver = { ...emulatorDriver(emulator), payCheckoutSession: async () => false };
      const summary = await recordContract(stripe, driver, { dir, date: '2026-12-01', log: () => undefined });
      expect(summary).toEqual({ recorded: ANSWER_NAMES, kept: [] });
      for (const name of ANSWER_NAMES) {
        const recorded = readFixture(name, dir);
        expect(recorded.source).toBe(`Stripe test mode, 2026-12-01, API version ${STRIPE_API_VERSION}`);
        expect(Object.keys(recorded.fields).toSorted(), name).toEqual([...STRIPE_FIELDS_READ[name]].toSorted());
        // Only field paths and type names: no id, amount, currency or card detail of the answers.
        const shape = JSON.parse(readFileSync(path.join(dir, `${name.replace(':', '.')}.json`), 'utf8')) as Record<string, unknown>;
        delete shape['source'];
        const text = JSON.stringify(shape);
        const strings = Object.values(recorded.fields).flat();
        expect(
          strings.every((type) => ['string', 'number', 'boolean', 'null', 'object', 'array', 'absent'].includes(type)),
          name,
        ).toBe(true);
        expect(text).not.toMatch(/\b(pi|ch|cs_test|dp|evt|txn)_[A-Za-z0-9]|usd|4242|\d{3,}/);
        for (const answer of answers[name] ?? []) expect(contractViolations(recorded, answer), name).toEqual([]);
      }
      const paidSession = readFixture('checkout.sessions.retrieve', dir);
      expect(paidSession.unobserved).toContain('payment_intent.latest_charge.payment_method_details.card.last4');
      expect(paidSession.fields['payment_intent.id']).toEqual(readFixture('checkout.sessions.retrieve').fields['payment_intent.id']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a live key', 'sk_live_abcdefghijkl', 'live key'],
    ['no key', '', 'set STRIPE_SECRET_KEY to a test-mode secret key'],
  ])('refuses %s, saying what it needs, and records nothing', async (_name, key, message) => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'stripe-contract-cli-'));
    try {
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        // No .env (cwd is empty) and only the key the test gives.
        const child = spawn(process.execPath, tsxNodeArgs('scripts/stripe-contract/record.ts'), {
          cwd,
          env: { PATH: process.env['PATH'] ?? '', STRIPE_SECRET_KEY: key },
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.on('error', reject);
        child.on('close', (exitCode) => resolve({ code: exitCode, stderr }));
      });
      expect(code).toBe(1);
      expect(stderr).toContain(message);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
