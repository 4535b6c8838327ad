import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/database';
import type { Database } from '../src/store/database';
import { MIGRATIONS } from '../src/store/migrations';
import { canMoveOrder, createOrderStore } from '../src/store/order-store';
import type { OrderStatus, OrderStore } from '../src/store/order-store';
import { PanGuardError } from '../src/store/pan-guard';

const CARD = { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 };

let dir: string;
let db: Database;
let store: OrderStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sss-store-'));
  db = openDatabase(path.join(dir, 'nested', 'app.sqlite'));
  store = createOrderStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function newOrder(id = 'ord_abcdefghijklmnopqrst') {
  return store.createOrder({ id, amount: 3600, currency: 'usd', items: [{ productId: 'enamel-mug', quantity: 2 }] });
}

function rawInsert(columns: Record<string, unknown>) {
  const base = { id: 'ord_rawrawrawraw', status: 'paid', amount: 100, currency: 'usd', items: '[]', created_at: 1, updated_at: 1 };
  const values = { ...base, ...columns };
  const names = Object.keys(values);
  db.prepare(`INSERT INTO orders (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(values);
}

describe('database', () => {
  it('uses WAL and records the schema version', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('reopens an existing database without re-running migrations', () => {
    newOrder();
    db.close();
    db = openDatabase(path.join(dir, 'nested', 'app.sqlite'));
    expect(createOrderStore(db).findOrder('ord_abcdefghijklmnopqrst')?.status).toBe('pending');
  });

  it('migrates a version 1 database to the latest schema (refunded/disputed statuses), keeping its orders', () => {
    const file = path.join(dir, 'v1.sqlite');
    const old = new BetterSqlite3(file);
    old.exec(MIGRATIONS[0]?.sql ?? '');
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO orders (id, status, amount, currency, items, created_at, updated_at) VALUES ('ord_oldoldoldold', 'pending', 100, 'usd', '[]', 1, 1)`).run();
    old.close();
    const migrated = openDatabase(file);
    try {
      expect(migrated.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
      const migratedStore = createOrderStore(migrated);
      expect(migratedStore.findOrder('ord_oldoldoldold')?.status).toBe('pending');
      migratedStore.applyOutcome('ord_oldoldoldold', { status: 'paid', card: CARD });
      expect(migratedStore.applyOutcome('ord_oldoldoldold', { status: 'refunded' }).order?.status).toBe('refunded');
    } finally {
      migrated.close();
    }
  });

  it('has exactly the allowed card columns', () => {
    const columns = db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'orders\')').all().map((c) => c.name);
    expect(columns.filter((name) => name.startsWith('card_'))).toEqual(['card_brand', 'card_last4', 'card_exp_month', 'card_exp_year']);
  });
});

describe('CHECK constraints on card columns', () => {
  const card = { card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 };

  it('accept a well-formed card on a paid order', () => {
    expect(() => rawInsert(card)).not.toThrow();
  });

  it.each([
    ['a 16-digit last4', { ...card, card_last4: '4242424242424242' }],
    ['a non-numeric last4', { ...card, card_last4: '42a2' }],
    ['a 3-digit last4', { ...card, card_last4: '424' }],
    ['month 13', { ...card, card_exp_month: 13 }],
    ['month 0', { ...card, card_exp_month: 0 }],
    ['a brand with digits', { ...card, card_brand: '4242424242424242' }],
    ['half a card', { card_brand: 'visa', card_last4: '4242' }],
    ['a card on a pending order', { ...card, status: 'pending' }],
    ['an unknown status', { status: 'charged_back' }],
    ['a card on a failed order', { ...card, status: 'failed' }],
    ['a text amount (STRICT table)', { amount: 'a lot' }],
    ['an id that is not ord_', { id: 'order-1' }],
  ])('refuse %s', (_name, columns) => {
    expect(() => rawInsert(columns)).toThrow(/CHECK constraint failed|cannot store/);
  });
});

describe('order store', () => {
  it('creates a pending order and finds it by checkout session', () => {
    const order = newOrder();
    expect(order).toMatchObject({ status: 'pending', amount: 3600, currency: 'usd', card: null, checkoutSessionId: null });
    store.attachCheckoutSession(order.id, 'cs_test_abc');
    expect(store.findOrderByCheckoutSession('cs_test_abc')?.id).toBe(order.id);
  });

  it('stores the card display fields only when paid, and never changes a paid order', () => {
    const order = newOrder();
    expect(store.applyOutcome(order.id, { status: 'paid', card: CARD, paymentIntentId: 'pi_1' }).changed).toBe(true);
    expect(store.findOrder(order.id)).toMatchObject({ status: 'paid', card: CARD, paymentIntentId: 'pi_1' });
    for (const status of ['expired', 'failed'] as const) {
      expect(store.applyOutcome(order.id, { status }).changed).toBe(false);
    }
    expect(store.findOrder(order.id)).toMatchObject({ status: 'paid', card: CARD });
    const row = db.prepare('SELECT card_brand, card_last4, card_exp_month, card_exp_year FROM orders WHERE id = ?').get(order.id);
    expect(row).toEqual({ card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 });
  });

  it('lets a declined order be paid by a retry', () => {
    const order = newOrder();
    store.applyOutcome(order.id, { status: 'failed' });
    expect(store.applyOutcome(order.id, { status: 'paid', card: CARD }).order?.status).toBe('paid');
  });

  it('moves orders only forward', () => {
    const statuses: OrderStatus[] = ['pending', 'paid', 'failed', 'expired', 'refunded', 'disputed'];
    const allowed = statuses.flatMap((from) => statuses.filter((to) => canMoveOrder(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).toEqual([
      'pending->paid', 'pending->failed', 'pending->expired',
      'paid->refunded', 'paid->disputed',
      'failed->paid', 'failed->expired',
      'expired->paid',
    ]);
  });

  it('keeps the card display fields when a paid order is refunded or disputed', () => {
    for (const [id, status] of [['ord_refundedrefundedre', 'refunded'], ['ord_disputeddisputeddi', 'disputed']] as const) {
      newOrder(id);
      store.applyOutcome(id, { status: 'paid', card: CARD, paymentIntentId: `pi_${status}` });
      expect(store.applyOutcome(id, { status }).order).toMatchObject({ status, card: CARD, paymentIntentId: `pi_${status}` });
      const row = db.prepare('SELECT status, card_brand, card_last4, card_exp_month, card_exp_year FROM orders WHERE id = ?').get(id);
      expect(row).toEqual({ status, card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 });
      // Final: a late payment, decline or the other reversal changes nothing.
      for (const later of ['paid', 'failed', 'expired', 'refunded', 'disputed'] as const) {
        expect(store.applyOutcome(id, { status: later }).changed).toBe(false);
      }
    }
  });

  it('refuses a refund or dispute of an order that was never paid', () => {
    const order = newOrder();
    expect(store.applyOutcome(order.id, { status: 'refunded' }).changed).toBe(false);
    expect(store.applyOutcome(order.id, { status: 'disputed' }).changed).toBe(false);
    expect(store.findOrder(order.id)?.status).toBe('pending');
  });

  it('attaches a PaymentIntent and finds the order by it', () => {
    const order = newOrder();
    store.attachPaymentIntent(order.id, 'pi_attachedAttached');
    expect(store.findOrderByPaymentIntent('pi_attachedAttached')?.id).toBe(order.id);
    expect(() => store.attachPaymentIntent(order.id, 'pi_4242424242424242')).toThrow(PanGuardError);
  });

  it('refuses a PAN in any value before it reaches SQL, and writes nothing', () => {
    expect(() =>
      store.createOrder({ id: 'ord_abcdefghijklmnopqrst', amount: 100, currency: 'usd', items: [{ productId: '4242 4242 4242 4242', quantity: 1 }] }),
    ).toThrow(PanGuardError);
    const order = newOrder('ord_bbbbbbbbbbbbbbbbbbbb');
    expect(() => store.attachCheckoutSession(order.id, 'cs_test_4000000000000002')).toThrow(PanGuardError);
    expect(() => store.applyOutcome(order.id, { status: 'paid', card: CARD, paymentIntentId: 'pi_4242-4242-4242-4242' })).toThrow(PanGuardError);
    expect(store.findOrder(order.id)).toMatchObject({ status: 'pending', checkoutSessionId: null, paymentIntentId: null });
    expect(db.prepare('SELECT count(*) AS n FROM orders').get()).toEqual({ n: 1 });
  });

  it('processes an event id once, atomically with its change', () => {
    const order = newOrder();
    const apply = () => store.applyOutcome(order.id, { status: 'expired' });
    expect(store.processEventOnce('evt_1', 'checkout.session.expired', apply)).toBe(true);
    expect(store.processEventOnce('evt_1', 'checkout.session.expired', () => { throw new Error('must not run'); })).toBe(false);
    expect(store.hasProcessedEvent('evt_1')).toBe(true);
    expect(() => store.processEventOnce('evt_2', 'x', () => { throw new Error('boom'); })).toThrow('boom');
    expect(store.hasProcessedEvent('evt_2')).toBe(false);
  });
});
