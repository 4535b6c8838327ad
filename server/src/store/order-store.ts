// The only place SQL for orders and processed events lives.
//
// It accepts only the project's own small types (never Stripe objects), writes only the
// allowed card display columns, and runs every value through the PAN guard first.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppDatabase } from './database';
import { assertNoPan } from './pan-guard';
import type { OrderStatus, OrdersTable, Schema } from './schema';

export type { OrderStatus } from './schema';

/** What we keep about a card: what a receipt shows, nothing that can charge it. */
export interface CardDisplay {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface OrderItem {
  productId: string;
  quantity: number;
}

export interface NewOrder {
  id: string;
  amount: number;
  currency: string;
  items: OrderItem[];
}

export interface Order extends NewOrder {
  status: OrderStatus;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  card: CardDisplay | null;
  createdAt: number;
  updatedAt: number;
}

/** A change an event asks for; applied only if the order may move that way. */
export interface OrderOutcome {
  status: Exclude<OrderStatus, 'pending'>;
  card?: CardDisplay | null;
  paymentIntentId?: string | null;
}

type OrderRow = Selectable<OrdersTable>;

/**
 * The one table of allowed status changes. Events arrive at least once and in any order
 * (https://docs.stripe.com/webhooks#event-ordering), so each change is checked against where
 * the order already is and nothing ever moves back:
 * - pending -> paid | failed | expired;
 * - failed -> paid (the customer retried, same session or PaymentIntent) | expired;
 * - expired -> paid (money that did move is the truth; a late success is never dropped);
 * - paid -> refunded | disputed; a late decline or expiry after paid changes nothing;
 * - refunded and disputed are final here (the Dashboard handles what follows).
 */
const ALLOWED_MOVES: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['paid', 'failed', 'expired'],
  failed: ['paid', 'expired'],
  expired: ['paid'],
  paid: ['refunded', 'disputed'],
  refunded: [],
  disputed: [],
};

export function canMoveOrder(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_MOVES[from].includes(to);
}

/** An event's planned change: applied in order, each outcome only if allowed from where the order is then. */
export interface OrderChange {
  orderId: string;
  outcomes: readonly OrderOutcome[];
}

/** Statuses that mean money moved to us at some point (the order keeps its card display fields). */
const WAS_PAID: ReadonlySet<OrderStatus> = new Set(['paid', 'refunded', 'disputed']);

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function toOrder(row: OrderRow): Order {
  const card =
    row.card_brand !== null && row.card_last4 !== null && row.card_exp_month !== null && row.card_exp_year !== null
      ? { brand: row.card_brand, last4: row.card_last4, expMonth: row.card_exp_month, expYear: row.card_exp_year }
      : null;
  return {
    id: row.id,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    items: parseItems(row.items),
    checkoutSessionId: row.checkout_session_id,
    paymentIntentId: row.payment_intent_id,
    card,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** SQLite hands back the JSON text, PostgreSQL's jsonb the parsed value. */
function parseItems(stored: unknown): OrderItem[] {
  const value: unknown = typeof stored === 'string' ? JSON.parse(stored) : stored;
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) =>
    typeof item === 'object' &&
    item !== null &&
    'productId' in item &&
    'quantity' in item &&
    typeof item.productId === 'string' &&
    typeof item.quantity === 'number'
      ? [{ productId: item.productId, quantity: item.quantity }]
      : [],
  );
}

type Executor = Kysely<Schema> | Transaction<Schema>;

export type OrderStore = ReturnType<typeof createOrderStore>;

export function createOrderStore(database: AppDatabase) {
  const { db, engine } = database;

  /**
   * The one order whose `column` is `value`. `forUpdate` is for a change: PostgreSQL locks
   * the row so a concurrent transaction on another instance waits instead of deciding from
   * a stale status; SQLite needs no lock, as its transactions begin IMMEDIATE (database.ts)
   * and so hold the one write lock from their first read.
   */
  async function selectOrder(
    executor: Executor,
    column: 'id' | 'checkout_session_id' | 'payment_intent_id',
    value: string,
    forUpdate = false,
  ): Promise<Order | undefined> {
    const query = executor.selectFrom('orders').selectAll().where(column, '=', value);
    const row = await (forUpdate && engine === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    return row && toOrder(row);
  }

  async function applyOutcomeIn(
    trx: Transaction<Schema>,
    orderId: string,
    outcome: OrderOutcome,
    eventId: string | null,
  ): Promise<{ changed: boolean; order: Order | undefined }> {
    const order = await selectOrder(trx, 'id', orderId, true);
    if (!order || !canMoveOrder(order.status, outcome.status)) return { changed: false, order };
    // A payment brings the card display fields; a refund or dispute keeps those of the payment.
    const card = outcome.status === 'paid' ? (outcome.card ?? null) : WAS_PAID.has(outcome.status) ? order.card : null;
    const now = nowSeconds();
    const values = {
      status: outcome.status,
      payment_intent_id: outcome.paymentIntentId ?? order.paymentIntentId,
      card_brand: card?.brand ?? null,
      card_last4: card?.last4 ?? null,
      card_exp_month: card?.expMonth ?? null,
      card_exp_year: card?.expYear ?? null,
      updated_at: now,
    };
    assertNoPan({ ...values, eventId });
    // `status = from` as well: even without the row lock, a move decided from a stale read changes nothing.
    const updated = await trx
      .updateTable('orders')
      .set(values)
      .where('id', '=', orderId)
      .where('status', '=', order.status)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return { changed: false, order };
    await trx
      .insertInto('order_transitions')
      .values({ order_id: orderId, from_status: order.status, to_status: outcome.status, event_id: eventId, created_at: now })
      .execute();
    return { changed: true, order: await selectOrder(trx, 'id', orderId) };
  }

  async function updateOrder(orderId: string, values: { checkout_session_id?: string; payment_intent_id?: string }): Promise<void> {
    const update = { ...values, updated_at: nowSeconds() };
    assertNoPan(update);
    await db.updateTable('orders').set(update).where('id', '=', orderId).execute();
  }

  return {
    async createOrder(order: NewOrder): Promise<Order> {
      const now = nowSeconds();
      const row = {
        id: order.id,
        status: 'pending' as const,
        amount: order.amount,
        currency: order.currency,
        items: JSON.stringify(order.items.map(({ productId, quantity }) => ({ productId, quantity }))),
        created_at: now,
        updated_at: now,
      };
      assertNoPan(row);
      await db.insertInto('orders').values(row).execute();
      const created = await selectOrder(db, 'id', order.id);
      if (!created) throw new Error(`Order ${order.id} was not stored`);
      return created;
    },

    attachCheckoutSession: (orderId: string, sessionId: string) => updateOrder(orderId, { checkout_session_id: sessionId }),

    attachPaymentIntent: (orderId: string, paymentIntentId: string) => updateOrder(orderId, { payment_intent_id: paymentIntentId }),

    findOrder: (id: string) => selectOrder(db, 'id', id),

    findOrderByCheckoutSession: (sessionId: string) => selectOrder(db, 'checkout_session_id', sessionId),

    findOrderByPaymentIntent: (paymentIntentId: string) => selectOrder(db, 'payment_intent_id', paymentIntentId),

    /** Moves an order if its current status allows it (see `canMoveOrder`); not tied to an event. */
    applyOutcome: (orderId: string, outcome: OrderOutcome) =>
      db.transaction().execute((trx) => applyOutcomeIn(trx, orderId, outcome, null)),

    async hasProcessedEvent(eventId: string): Promise<boolean> {
      const row = await db.selectFrom('processed_events').select('event_id').where('event_id', '=', eventId).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Records the event and applies its change in one transaction. The event id is the
     * primary key: a second delivery, on this instance or any other sharing the database,
     * inserts nothing (PostgreSQL makes it wait for the first to commit or roll back) and
     * changes nothing. A crash never leaves a recorded event without its change.
     * An event that changes no order is that one insert, a transaction of its own.
     * Returns false when the event was already processed.
     * `dedupe: false` is the lab's `webhook-dedupe` control off only: the change is applied again
     * for an event already recorded, as a handler without this table would.
     */
    async processEventOnce(
      event: { id: string; type: string },
      change: OrderChange | null,
      options: { dedupe?: boolean } = {},
    ): Promise<boolean> {
      assertNoPan({ eventId: event.id, type: event.type });
      const recordEvent = async (executor: Executor) => {
        const inserted = await executor
          .insertInto('processed_events')
          .values({ event_id: event.id, type: event.type, processed_at: nowSeconds() })
          .onConflict((conflict) => conflict.column('event_id').doNothing())
          .executeTakeFirst();
        return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n || options.dedupe === false;
      };
      if (!change || change.outcomes.length === 0) return recordEvent(db);
      return db.transaction().execute(async (trx) => {
        if (!(await recordEvent(trx))) return false;
        for (const outcome of change.outcomes) await applyOutcomeIn(trx, change.orderId, outcome, event.id);
        return true;
      });
    },
  };
}
