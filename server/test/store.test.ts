// The order store on every engine: migrations, CHECK constraints on the card columns, the
// state table, the PAN guard and exactly-once event processing.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCspReportStore } from '../src/store/csp-report-store';
import {
  SQLITE_SYNCHRONOUS,
  cachingStatements,
  openDatabase,
  openPostgresDatabase,
  openReadOnlyDatabase,
  openSqliteDatabase,
} from '../src/store/database';
import type { AppDatabase } from '../src/store/database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../src/store/migrations';
import { canMoveOrder, createOrderStore } from '../src/store/order-store';
import type { OrderStatus, OrderStore } from '../src/store/order-store';
import { PanGuardError } from '../src/store/pan-guard';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';

const CARD = { brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 };
const CHECK_FAILED = /CHECK constraint failed|cannot store|violates check constraint|invalid input syntax/;

describe('order state table', () => {
  it('moves orders only forward', () => {
    const statuses: OrderStatus[] = ['pending', 'paid', 'failed', 'expired', 'refunded', 'disputed'];
    const allowed = statuses.flatMap((from) => statuses.filter((to) => canMoveOrder(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).toEqual([
      'pending->paid',
      'pending->failed',
      'pending->expired',
      'paid->refunded',
      'paid->disputed',
      'failed->paid',
      'failed->expired',
      'expired->paid',
    ]);
  });
});

describeEachEngine('store', (engine) => {
  let test: TestDatabase;
  let database: AppDatabase;
  let store: OrderStore;

  beforeEach(async () => {
    test = await createTestDatabase(engine);
    database = test.database;
    store = createOrderStore(database);
  });
  afterEach(async () => {
    await test.drop();
  });

  const newOrder = (id = 'ord_abcdefghijklmnopqrst') =>
    store.createOrder({ id, amount: 3600, currency: 'usd', items: [{ productId: 'enamel-mug', quantity: 2 }] });

  /** An INSERT that skips the store (and its PAN guard), to prove the database itself refuses bad rows. */
  async function rawInsert(columns: Record<string, unknown>): Promise<void> {
    const values = {
      id: 'ord_rawrawrawraw',
      status: 'paid',
      amount: 100,
      currency: 'usd',
      items: '[]',
      created_at: 1,
      updated_at: 1,
      ...columns,
    };
    const names = Object.keys(values);
    await sql`INSERT INTO orders (${sql.join(names.map((name) => sql.ref(name)))}) VALUES (${sql.join(Object.values(values))})`.execute(
      database.db,
    );
  }

  async function cardColumns(id: string) {
    return database.db
      .selectFrom('orders')
      .select(['status', 'card_brand', 'card_last4', 'card_exp_month', 'card_exp_year'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  describe('database', () => {
    it('records the latest schema version', async () => {
      if (engine === 'sqlite') {
        const file = new BetterSqlite3(test.file ?? '', { readonly: true });
        expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(file.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
        file.close();
      } else {
        const rows = await sql<{ version: number }>`SELECT version FROM schema_migrations ORDER BY version`.execute(database.db);
        expect(rows.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
      }
    });

    it('reopens an existing database without re-running migrations', async () => {
      await newOrder();
      const again = engine === 'sqlite' ? await openDatabase({ engine, file: test.file ?? '' }) : await openPostgresDatabase(test.url);
      try {
        expect((await createOrderStore(again).findOrder('ord_abcdefghijklmnopqrst'))?.status).toBe('pending');
      } finally {
        await again.close();
      }
    });

    it('has exactly the tables and the allowed card columns', async () => {
      const tables = await database.db.introspection.getTables();
      expect(
        tables
          .map((table) => table.name)
          .filter((name) => name !== 'schema_migrations')
          .sort(),
      ).toEqual([
        'csp_report_drops',
        'csp_reports',
        'order_transitions',
        'orders',
        'processed_events',
        'rate_limit_hits',
        'seller_enrolment_tokens',
        'seller_passkeys',
        'seller_sessions',
        'sellers',
        'webauthn_challenges',
      ]);
      const orders = tables.find((table) => table.name === 'orders');
      expect(orders?.columns.map((column) => column.name)).toEqual([
        'id',
        'status',
        'amount',
        'currency',
        'items',
        'checkout_session_id',
        'payment_intent_id',
        'card_brand',
        'card_last4',
        'card_exp_month',
        'card_exp_year',
        'created_at',
        'updated_at',
      ]);
    });
  });

  describe('CHECK constraints on card columns', () => {
    const card = { card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 };

    it('accept a well-formed card on a paid order', async () => {
      await expect(rawInsert(card)).resolves.toBeUndefined();
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
      ['a text amount', { amount: 'a lot' }],
      ['an id that is not ord_', { id: 'order-1' }],
      ['items that are not JSON', { items: '[{' }],
      ['a currency in capitals', { currency: 'USD' }],
    ])('refuse %s', async (_name, columns) => {
      await expect(rawInsert(columns)).rejects.toThrow(CHECK_FAILED);
    });

    it('let a status be reached only once per order (order_transitions)', async () => {
      const order = await newOrder();
      const transition = { order_id: order.id, from_status: 'pending' as const, to_status: 'paid' as const, event_id: null, created_at: 1 };
      await database.db.insertInto('order_transitions').values(transition).execute();
      await expect(
        database.db
          .insertInto('order_transitions')
          .values({ ...transition, from_status: 'failed' })
          .execute(),
      ).rejects.toThrow(/UNIQUE|duplicate key/);
    });
  });

  describe('order store', () => {
    it('creates a pending order and finds it by checkout session', async () => {
      const order = await newOrder();
      expect(order).toMatchObject({
        status: 'pending',
        amount: 3600,
        currency: 'usd',
        card: null,
        checkoutSessionId: null,
        items: [{ productId: 'enamel-mug', quantity: 2 }],
      });
      await store.attachCheckoutSession(order.id, 'cs_test_abc');
      expect((await store.findOrderByCheckoutSession('cs_test_abc'))?.id).toBe(order.id);
    });

    it('stores the card display fields only when paid, and never changes a paid order', async () => {
      const order = await newOrder();
      expect((await store.applyOutcome(order.id, { status: 'paid', card: CARD, paymentIntentId: 'pi_1' })).changed).toBe(true);
      expect(await store.findOrder(order.id)).toMatchObject({ status: 'paid', card: CARD, paymentIntentId: 'pi_1' });
      for (const status of ['expired', 'failed'] as const) {
        expect((await store.applyOutcome(order.id, { status })).changed).toBe(false);
      }
      expect(await cardColumns(order.id)).toEqual({
        status: 'paid',
        card_brand: 'visa',
        card_last4: '4242',
        card_exp_month: 12,
        card_exp_year: 2034,
      });
    });

    it('lets a declined order be paid by a retry, and records each move', async () => {
      const order = await newOrder();
      await store.applyOutcome(order.id, { status: 'failed' });
      expect((await store.applyOutcome(order.id, { status: 'paid', card: CARD })).order?.status).toBe('paid');
      const moves = await database.db
        .selectFrom('order_transitions')
        .select(['from_status', 'to_status', 'event_id'])
        .orderBy('id')
        .execute();
      expect(moves).toEqual([
        { from_status: 'pending', to_status: 'failed', event_id: null },
        { from_status: 'failed', to_status: 'paid', event_id: null },
      ]);
    });

    it('keeps the card display fields when a paid order is refunded or disputed', async () => {
      for (const [id, status] of [
        ['ord_refundedrefundedre', 'refunded'],
        ['ord_disputeddisputeddi', 'disputed'],
      ] as const) {
        await newOrder(id);
        await store.applyOutcome(id, { status: 'paid', card: CARD, paymentIntentId: `pi_${status}` });
        expect((await store.applyOutcome(id, { status })).order).toMatchObject({ status, card: CARD, paymentIntentId: `pi_${status}` });
        expect(await cardColumns(id)).toEqual({ status, card_brand: 'visa', card_last4: '4242', card_exp_month: 12, card_exp_year: 2034 });
        // Final: a late payment, decline or the other reversal changes nothing.
        for (const later of ['paid', 'failed', 'expired', 'refunded', 'disputed'] as const) {
          expect((await store.applyOutcome(id, { status: later })).changed).toBe(false);
        }
      }
    });

    it('refuses a refund or dispute of an order that was never paid', async () => {
      const order = await newOrder();
      expect((await store.applyOutcome(order.id, { status: 'refunded' })).changed).toBe(false);
      expect((await store.applyOutcome(order.id, { status: 'disputed' })).changed).toBe(false);
      expect((await store.findOrder(order.id))?.status).toBe('pending');
    });

    it('attaches a PaymentIntent and finds the order by it', async () => {
      const order = await newOrder();
      await store.attachPaymentIntent(order.id, 'pi_attachedAttached');
      expect((await store.findOrderByPaymentIntent('pi_attachedAttached'))?.id).toBe(order.id);
      await expect(store.attachPaymentIntent(order.id, 'pi_4242424242424242')).rejects.toThrow(PanGuardError);
    });

    it('refuses a PAN in any value before it reaches SQL, and writes nothing', async () => {
      await expect(
        store.createOrder({
          id: 'ord_abcdefghijklmnopqrst',
          amount: 100,
          currency: 'usd',
          items: [{ productId: '4242 4242 4242 4242', quantity: 1 }],
        }),
      ).rejects.toThrow(PanGuardError);
      const order = await newOrder('ord_bbbbbbbbbbbbbbbbbbbb');
      await expect(store.attachCheckoutSession(order.id, 'cs_test_4000000000000002')).rejects.toThrow(PanGuardError);
      // The forms the security review got past the old guard are refused on order writes too.
      for (const sessionId of [
        'cs_test_4000.0566.5566.5556',
        'cs_test_4000%200566%205566%205556',
        'cs_test_４０００\t０５６６\t５５６６\t５５５６',
      ]) {
        await expect(store.attachCheckoutSession(order.id, sessionId)).rejects.toThrow(PanGuardError);
      }
      await expect(store.applyOutcome(order.id, { status: 'paid', card: CARD, paymentIntentId: 'pi_4242-4242-4242-4242' })).rejects.toThrow(
        PanGuardError,
      );
      await expect(store.processEventOnce({ id: 'evt_4242424242424242', type: 'x' }, null)).rejects.toThrow(PanGuardError);
      expect(await store.findOrder(order.id)).toMatchObject({ status: 'pending', checkoutSessionId: null, paymentIntentId: null });
      expect(await database.db.selectFrom('orders').select('id').execute()).toEqual([{ id: order.id }]);
      expect(await database.db.selectFrom('processed_events').select('event_id').execute()).toEqual([]);
    });

    it('processes an event id once, atomically with its change', async () => {
      const order = await newOrder();
      const expire = { orderId: order.id, outcomes: [{ status: 'expired' as const }] };
      expect(await store.processEventOnce({ id: 'evt_1', type: 'checkout.session.expired' }, expire)).toBe(true);
      expect(
        await store.processEventOnce(
          { id: 'evt_1', type: 'checkout.session.expired' },
          { orderId: order.id, outcomes: [{ status: 'paid', card: CARD }] },
        ),
      ).toBe(false);
      expect(await store.hasProcessedEvent('evt_1')).toBe(true);
      expect((await store.findOrder(order.id))?.status).toBe('expired');
      const moves = await database.db.selectFrom('order_transitions').select(['to_status', 'event_id']).execute();
      expect(moves).toEqual([{ to_status: 'expired', event_id: 'evt_1' }]);
    });

    it('rolls the event back with its change when the change fails', async () => {
      const order = await newOrder();
      // A card the CHECK constraints refuse makes the change fail inside the transaction.
      const broken = { orderId: order.id, outcomes: [{ status: 'paid' as const, card: { ...CARD, expMonth: 13 } }] };
      await expect(store.processEventOnce({ id: 'evt_2', type: 'payment_intent.succeeded' }, broken)).rejects.toThrow(CHECK_FAILED);
      expect(await store.hasProcessedEvent('evt_2')).toBe(false);
      expect((await store.findOrder(order.id))?.status).toBe('pending');
      expect(await database.db.selectFrom('order_transitions').selectAll().execute()).toEqual([]);
    });

    it('processes one event exactly once when instances sharing the database race on it', async () => {
      const orders = await Promise.all(
        ['ord_raceraceraceraceaa', 'ord_raceraceraceracebb', 'ord_raceraceraceracecc'].map((id) => newOrder(id)),
      );
      // PostgreSQL: separate connection pools, as separate app instances have. SQLite: the
      // one connection of this process (a second one in the same thread would block the event
      // loop in its busy handler); separate processes are in multi-instance.test.ts.
      const instances = engine === 'postgres' ? await Promise.all([0, 1].map(() => openPostgresDatabase(test.url))) : [];
      try {
        const stores = [store, ...instances.map((instance) => createOrderStore(instance))];
        for (const order of orders) {
          const event = { id: `evt_${order.id}`, type: 'payment_intent.succeeded' };
          const change = { orderId: order.id, outcomes: [{ status: 'paid' as const, card: CARD }] };
          const results = await Promise.all(
            Array.from({ length: 12 }, (_, i) => stores[i % stores.length]?.processEventOnce(event, change)),
          );
          expect(results.filter(Boolean)).toHaveLength(1);
        }
        const moves = await database.db.selectFrom('order_transitions').select(['order_id', 'to_status']).orderBy('order_id').execute();
        expect(moves).toEqual(
          orders.map((order) => ({ order_id: order.id, to_status: 'paid' })).sort((a, b) => a.order_id.localeCompare(b.order_id)),
        );
        expect(await database.db.selectFrom('processed_events').select('event_id').execute()).toHaveLength(3);
      } finally {
        await Promise.all(instances.map((instance) => instance.close()));
      }
    });
  });
});

describe('SQLite migrations from an older file', () => {
  it('migrates a version 1 database to the latest schema, keeping its orders', async () => {
    const test = await createTestDatabase('sqlite');
    const file = `${test.file ?? ''}.v1`;
    const old = new BetterSqlite3(file);
    old.exec(MIGRATIONS[0]?.sqlite ?? '');
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO orders (id, status, amount, currency, items, created_at, updated_at) VALUES ('ord_oldoldoldold', 'pending', 100, 'usd', '[]', 1, 1)`,
      )
      .run();
    old.close();
    const migrated = openSqliteDatabase(file);
    try {
      const migratedStore = createOrderStore(migrated);
      expect((await migratedStore.findOrder('ord_oldoldoldold'))?.status).toBe('pending');
      await migratedStore.applyOutcome('ord_oldoldoldold', { status: 'paid', card: CARD });
      expect((await migratedStore.applyOutcome('ord_oldoldoldold', { status: 'refunded' })).order?.status).toBe('refunded');
    } finally {
      await migrated.close();
      await test.drop();
    }
  });

  it('refuses a database newer than the code, with what to do', async () => {
    const test = await createTestDatabase('sqlite');
    const file = `${test.file ?? ''}.future`;
    const future = new BetterSqlite3(file);
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => openSqliteDatabase(file)).toThrow(/newer than this code knows.*point DATABASE_URL/);
    await test.drop();
  });
});

describe('SQLite file on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sss-sqlite-file-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('overwrites deleted rows (secure_delete): a deleted report is no longer in the file or its -wal', async () => {
    const file = path.join(dir, 'app.sqlite');
    const marker = 'secure-delete-marker-qzjxkv';
    const database = openSqliteDatabase(file);
    // Rows unseen for the retention period are deleted when the next report comes in.
    let clock = 1_000_000;
    const reports = createCspReportStore(database, { retentionSeconds: 60, now: () => clock });
    await reports.record(
      { documentUrl: `https://shop.example/${marker}`, directive: 'script-src-elem', blockedUrl: 'https://evil.example/a.js' },
      'client',
    );
    clock += 61;
    await reports.record(
      { documentUrl: 'https://shop.example/other', directive: 'script-src-elem', blockedUrl: 'https://evil.example/a.js' },
      'client',
    );
    expect((await reports.listSince(0)).map((report) => report.documentUrl)).toEqual(['https://shop.example/other']);
    await database.close();
    for (const stored of [file, `${file}-wal`].filter((name) => existsSync(name))) {
      expect(readFileSync(stored).toString('latin1'), stored).not.toContain(marker);
    }
  });

  it('creates the database folder 0700 and the database, -wal and -shm files 0600', async () => {
    const file = path.join(dir, 'data', 'app.sqlite');
    const database = openSqliteDatabase(file);
    try {
      await createOrderStore(database).createOrder({ id: 'ord_abcdefghijklmnopqrst', amount: 100, currency: 'usd', items: [] });
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      for (const created of [file, `${file}-wal`, `${file}-shm`]) expect(statSync(created).mode & 0o777, created).toBe(0o600);
    } finally {
      await database.close();
    }
  });

  it('runs with the chosen synchronous level on a new file, a reopened one and a read-only one alike', async () => {
    // SQLite reports the level as a number: https://www.sqlite.org/pragma.html#pragma_synchronous
    const expected = ['OFF', 'NORMAL', 'FULL', 'EXTRA'].indexOf(SQLITE_SYNCHRONOUS);
    const file = path.join(dir, 'app.sqlite');
    const levels: unknown[] = [];
    // Set by the store itself on every open, not left to the SQLite build's default for WAL files.
    const pragma = vi.spyOn(BetterSqlite3.prototype, 'pragma');
    for (const open of [openSqliteDatabase, openSqliteDatabase, () => openReadOnlyDatabase({ engine: 'sqlite', file })]) {
      pragma.mockClear();
      const database = open(file);
      try {
        expect(pragma.mock.calls.map(([statement]) => statement)).toContain(`synchronous = ${SQLITE_SYNCHRONOUS}`);
        levels.push((await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(database.db)).rows[0]?.synchronous);
      } finally {
        await database.close();
      }
    }
    pragma.mockRestore();
    expect(expected).toBeGreaterThanOrEqual(0);
    expect(levels).toEqual([expected, expected, expected]);
  });

  it('prepares each statement once, however many events it processes', async () => {
    const database = openSqliteDatabase(path.join(dir, 'app.sqlite'));
    const prepare = vi.spyOn(BetterSqlite3.prototype, 'prepare');
    try {
      const store = createOrderStore(database);
      const processEvents = async (from: number) => {
        for (let i = from; i < from + 20; i += 1) {
          const id = `evt_prepare${String.fromCharCode(97 + (i % 26))}${i.toString(36)}`;
          if (!(await store.hasProcessedEvent(id))) await store.processEventOnce({ id, type: 'customer.created' }, null);
        }
      };
      await processEvents(0);
      const warmedUp = prepare.mock.calls.length;
      expect(warmedUp).toBeGreaterThan(0);
      await processEvents(20);
      expect(prepare.mock.calls.length).toBe(warmedUp);
    } finally {
      prepare.mockRestore();
      await database.close();
    }
  });

  it('keeps at most the bound of prepared statements, dropping the least recently used', () => {
    const handle = new BetterSqlite3(':memory:');
    const prepare = vi.spyOn(handle, 'prepare');
    const statements = cachingStatements(handle, 2);
    const [a, b] = [statements.prepare('SELECT 1'), statements.prepare('SELECT 2')];
    expect(statements.prepare('SELECT 1')).toBe(a);
    statements.prepare('SELECT 3'); // over the bound: SELECT 2 is the least recently used
    expect(statements.prepare('SELECT 1')).toBe(a);
    expect(statements.prepare('SELECT 2')).not.toBe(b);
    expect(prepare.mock.calls.map(([text]) => text)).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3', 'SELECT 2']);
    statements.close();
    expect(handle.open).toBe(false);
  });

  it('refuses to build a missing folder tree, naming DATABASE_URL and the path', () => {
    const file = path.join(dir, 'nonexistent', 'dir', 'app.sqlite');
    expect(() => openSqliteDatabase(file)).toThrow(
      `DATABASE_URL=file:${file} names a SQLite file in ${path.dirname(file)}, and neither that folder nor ${path.join(dir, 'nonexistent')} exists.`,
    );
    expect(existsSync(path.join(dir, 'nonexistent'))).toBe(false);
  });

  it('fails on a path it cannot open with DATABASE_URL, the path and the cause', () => {
    // A folder where the file should be: SQLite cannot open it.
    expect(() => openSqliteDatabase(dir)).toThrow(
      `Could not open the SQLite database ${dir} (DATABASE_URL=file:${dir}): unable to open database file. Point DATABASE_URL at`,
    );
  });
});

describe('PostgreSQL connection problems', () => {
  it('fails with the URL (password hidden) and the cause when the server is unreachable', async () => {
    await expect(openPostgresDatabase('postgres://app:s3cret@127.0.0.1:9/shop')).rejects.toThrow(
      /Could not open the PostgreSQL database postgres:\/\/app:\*\*\*@127\.0\.0\.1:9\/shop: .*ECONNREFUSED/,
    );
    expect(pg.Pool).toBeDefined();
  });
});
