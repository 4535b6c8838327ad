// The only place SQL for orders and processed events lives.
//
// It accepts only the project's own small types (never Stripe objects), writes only the
// allowed card display columns, and runs every value through the PAN guard first.
import type { Database } from 'better-sqlite3';
import { assertNoPan } from './pan-guard';

export type OrderStatus = 'pending' | 'paid' | 'failed' | 'expired' | 'refunded' | 'disputed';

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

interface OrderRow {
  id: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  items: string;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  card_exp_month: number | null;
  card_exp_year: number | null;
  created_at: number;
  updated_at: number;
}

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

function parseItems(json: string): OrderItem[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown) =>
    typeof item === 'object' && item !== null && 'productId' in item && 'quantity' in item &&
    typeof item.productId === 'string' && typeof item.quantity === 'number'
      ? [{ productId: item.productId, quantity: item.quantity }]
      : [],
  );
}

export type OrderStore = ReturnType<typeof createOrderStore>;

export function createOrderStore(db: Database) {
  const insertOrder = db.prepare<[Record<string, unknown>]>(
    `INSERT INTO orders (id, status, amount, currency, items, created_at, updated_at)
     VALUES (@id, 'pending', @amount, @currency, @items, @now, @now)`,
  );
  const selectById = db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE id = ?');
  const selectBySession = db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE checkout_session_id = ?');
  const selectByPaymentIntent = db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE payment_intent_id = ?');
  const updateSession = db.prepare<[Record<string, unknown>]>(
    'UPDATE orders SET checkout_session_id = @sessionId, updated_at = @now WHERE id = @id',
  );
  const updatePaymentIntent = db.prepare<[Record<string, unknown>]>(
    'UPDATE orders SET payment_intent_id = @paymentIntentId, updated_at = @now WHERE id = @id',
  );
  const updateOutcome = db.prepare<[Record<string, unknown>]>(
    `UPDATE orders SET status = @status,
       payment_intent_id = COALESCE(@paymentIntentId, payment_intent_id),
       card_brand = @brand, card_last4 = @last4, card_exp_month = @expMonth, card_exp_year = @expYear,
       updated_at = @now
     WHERE id = @id`,
  );
  const insertEvent = db.prepare<[Record<string, unknown>]>(
    'INSERT OR IGNORE INTO processed_events (event_id, type, processed_at) VALUES (@eventId, @type, @now)',
  );
  const selectEvent = db.prepare<[string], { event_id: string }>('SELECT event_id FROM processed_events WHERE event_id = ?');

  function write(statement: { run(values: Record<string, unknown>): unknown }, values: Record<string, unknown>): void {
    assertNoPan(values);
    statement.run(values);
  }

  function findOrder(id: string): Order | undefined {
    const row = selectById.get(id);
    return row && toOrder(row);
  }

  function applyOutcome(orderId: string, outcome: OrderOutcome): { changed: boolean; order: Order | undefined } {
    const order = findOrder(orderId);
    if (!order || !canMoveOrder(order.status, outcome.status)) return { changed: false, order };
    // A payment brings the card display fields; a refund or dispute keeps those of the payment.
    const card = outcome.status === 'paid' ? (outcome.card ?? null) : WAS_PAID.has(outcome.status) ? order.card : null;
    write(updateOutcome, {
      id: orderId,
      status: outcome.status,
      paymentIntentId: outcome.paymentIntentId ?? null,
      brand: card?.brand ?? null,
      last4: card?.last4 ?? null,
      expMonth: card?.expMonth ?? null,
      expYear: card?.expYear ?? null,
      now: nowSeconds(),
    });
    return { changed: true, order: findOrder(orderId) };
  }

  return {
    createOrder(order: NewOrder): Order {
      write(insertOrder, {
        id: order.id,
        amount: order.amount,
        currency: order.currency,
        items: JSON.stringify(order.items.map(({ productId, quantity }) => ({ productId, quantity }))),
        now: nowSeconds(),
      });
      const created = findOrder(order.id);
      if (!created) throw new Error(`Order ${order.id} was not stored`);
      return created;
    },

    attachCheckoutSession(orderId: string, sessionId: string): void {
      write(updateSession, { id: orderId, sessionId, now: nowSeconds() });
    },

    attachPaymentIntent(orderId: string, paymentIntentId: string): void {
      write(updatePaymentIntent, { id: orderId, paymentIntentId, now: nowSeconds() });
    },

    findOrder,

    findOrderByCheckoutSession(sessionId: string): Order | undefined {
      const row = selectBySession.get(sessionId);
      return row && toOrder(row);
    },

    findOrderByPaymentIntent(paymentIntentId: string): Order | undefined {
      const row = selectByPaymentIntent.get(paymentIntentId);
      return row && toOrder(row);
    },

    /** Moves an order if its current status allows it (see `canMoveOrder`). */
    applyOutcome: (orderId: string, outcome: OrderOutcome) => db.transaction(() => applyOutcome(orderId, outcome))(),

    hasProcessedEvent(eventId: string): boolean {
      return selectEvent.get(eventId) !== undefined;
    },

    /**
     * Records the event and runs its change in one transaction, so a duplicate delivery
     * (same event id) is a no-op and a crash never leaves one without the other.
     * Returns false when the event was already processed.
     */
    processEventOnce(eventId: string, type: string, change: () => void): boolean {
      return db.transaction(() => {
        assertNoPan({ eventId, type });
        const result = insertEvent.run({ eventId, type, now: nowSeconds() });
        if (result.changes === 0) return false;
        change();
        return true;
      })();
    },
  };
}
