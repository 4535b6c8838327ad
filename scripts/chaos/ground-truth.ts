// What the order table must hold at the end, worked out from the emulator's state (the
// "Stripe" side of the truth), and the comparison with what the app actually stored.
import type { Emulator, EmulatorEvent } from '../../emulator/src/index';
import { ORDER_COLUMNS, type OrderRow, type OrderTable } from './order-table';
import { plannedStatus, type ExpectedStatus, type StartedPayment } from './payments';

export interface ExpectedOrder {
  row: OrderRow;
  /** A Checkout order that never paid may or may not have learnt its PaymentIntent id (null or `row.payment_intent_id`). */
  paymentIntentIdOptional: boolean;
}

/** The order each started payment must have become, keyed by order id. */
export function computeExpectedOrders(
  emulator: Emulator,
  payments: readonly StartedPayment[],
  events: readonly EmulatorEvent[],
  problems: string[],
): Map<string, ExpectedOrder> {
  // A failed attempt is what the app hears as payment_intent.payment_failed or async_payment_failed.
  const failedIntents = new Set<string>();
  const failedSessions = new Set<string>();
  for (const event of events) {
    if (event.type === 'payment_intent.payment_failed') failedIntents.add(event.data.object.id);
    if (event.type === 'checkout.session.async_payment_failed') failedSessions.add(event.data.object.id);
  }

  const expected = new Map<string, ExpectedOrder>();
  for (const payment of payments) {
    const session = payment.checkoutSessionId ? emulator.state.findCheckoutSession(payment.checkoutSessionId) : undefined;
    const intentId = payment.paymentIntentId ?? (typeof session?.payment_intent === 'string' ? session.payment_intent : null);
    const intent = intentId ? emulator.state.findPaymentIntent(intentId) : undefined;
    const orderId = session?.client_reference_id ?? intent?.metadata['order_id'];
    if (!orderId || (payment.checkoutSessionId && !session) || (payment.paymentIntentId && !intent)) {
      problems.push(`payment ${payment.planned.index} (${payment.planned.outcome}): the emulator has no order id for it`);
      continue;
    }
    const charge =
      intent?.status === 'succeeded' && typeof intent.latest_charge === 'string'
        ? emulator.state.findCharge(intent.latest_charge)
        : undefined;

    let status: ExpectedStatus;
    if (charge) status = charge.disputed ? 'disputed' : charge.refunded ? 'refunded' : 'paid';
    else if (session?.status === 'expired') status = 'expired';
    else if ((intentId && failedIntents.has(intentId)) || (session && failedSessions.has(session.id))) status = 'failed';
    else status = 'pending';

    if (status !== plannedStatus(payment.planned)) {
      problems.push(
        `payment ${payment.planned.index} (${payment.planned.outcome}, ${payment.planned.flow}): planned ${plannedStatus(payment.planned)} but the emulator's state says ${status}`,
      );
    }
    const card = charge?.payment_method_details?.card;
    expected.set(orderId, {
      row: {
        id: orderId,
        status,
        amount: session?.amount_total ?? intent?.amount ?? 0,
        currency: session?.currency ?? intent?.currency ?? '',
        checkout_session_id: payment.checkoutSessionId,
        payment_intent_id: intentId,
        card_brand: card?.brand ?? null,
        card_last4: card?.last4 ?? null,
        card_exp_month: card?.exp_month ?? null,
        card_exp_year: card?.exp_year ?? null,
      },
      paymentIntentIdOptional: !charge && !payment.paymentIntentId,
    });
  }
  return expected;
}

/** Every column the harness reads but the id, which pairs the rows. */
const COMPARED = ORDER_COLUMNS.filter((column) => column !== 'id');

/**
 * Every difference between the table and the truth, one line each (empty when equal).
 * `refusedStarts`: the app's 503s to a payment start (Stripe still rate-limiting it); each wrote a
 * pending order that reached no Stripe object, so exactly that many such rows are expected besides.
 */
export function compareOrders(expected: ReadonlyMap<string, ExpectedOrder>, table: OrderTable, refusedStarts = 0): string[] {
  const mismatches: string[] = [];
  const actual = new Map(table.orders.map((row) => [row.id, row]));
  for (const [id, { row: want, paymentIntentIdOptional }] of expected) {
    const got = actual.get(id);
    if (!got) {
      mismatches.push(`order ${id}: missing from the order table (expected ${want.status})`);
      continue;
    }
    for (const column of COMPARED) {
      if (
        column === 'payment_intent_id' &&
        paymentIntentIdOptional &&
        (got.payment_intent_id === null || got.payment_intent_id === want.payment_intent_id)
      )
        continue;
      if (got[column] !== want[column]) {
        mismatches.push(
          `order ${id}: ${column} is ${JSON.stringify(got[column])}, expected ${JSON.stringify(want[column])} (expected status ${want.status})`,
        );
      }
    }
  }
  let unstarted = 0;
  for (const [id, row] of actual) {
    if (expected.has(id)) continue;
    if (row.status === 'pending' && row.checkout_session_id === null && row.payment_intent_id === null) unstarted += 1;
    else mismatches.push(`order ${id}: in the order table but not started by this run`);
  }
  if (unstarted !== refusedStarts)
    mismatches.push(`${unstarted} pending orders reached no Stripe object, but the app refused ${refusedStarts} payment starts (503)`);
  return mismatches;
}

/**
 * The processed-event checks: every genuine event of a handled type was processed (by a
 * webhook or by reconciliation), nothing the emulator never emitted was, types agree, every
 * acknowledged delivery was recorded, no event was processed twice, and no order was paid twice.
 */
export function checkProcessedEvents(input: {
  events: readonly EmulatorEvent[];
  handledTypes: readonly string[];
  table: OrderTable;
  acknowledged: ReadonlySet<string>;
  processedByWebhook: ReadonlyMap<string, number>;
}): string[] {
  const problems: string[] = [];
  const emitted = new Map(input.events.map((event) => [event.id, event.type]));
  const processed = new Map<string, string>();
  for (const row of input.table.processedEvents) {
    if (processed.has(row.event_id)) problems.push(`event ${row.event_id}: recorded twice in processed_events`);
    processed.set(row.event_id, row.type);
    const type = emitted.get(row.event_id);
    if (type === undefined) problems.push(`event ${row.event_id}: processed, but the emulator never emitted it (a forged event got in)`);
    else if (type !== row.type) problems.push(`event ${row.event_id}: recorded as ${row.type}, emitted as ${type}`);
  }
  const handled = new Set(input.handledTypes);
  for (const event of input.events) {
    if (handled.has(event.type) && !processed.has(event.id)) problems.push(`event ${event.id} (${event.type}): lost, never processed`);
  }
  for (const id of input.acknowledged) if (!processed.has(id)) problems.push(`event ${id}: acknowledged with 2xx but not recorded`);
  for (const [id, times] of input.processedByWebhook)
    if (times > 1) problems.push(`event ${id}: processed ${times} times by webhook deliveries`);
  if (input.table.transitions) {
    const paidTwice = new Map<string, number>();
    for (const transition of input.table.transitions) {
      if (transition.to_status === 'paid') paidTwice.set(transition.order_id, (paidTwice.get(transition.order_id) ?? 0) + 1);
    }
    for (const [orderId, times] of paidTwice)
      if (times > 1) problems.push(`order ${orderId}: moved to paid ${times} times (fulfilled twice)`);
  }
  return problems;
}

/**
 * When the schema keeps the audit trail of status changes: each order's changes form one
 * chain from `pending` to the status it has now (so nothing moved twice or skipped a step),
 * and every change made by an event names an event that was recorded as processed.
 */
export function checkTransitions(table: OrderTable): string[] {
  if (!table.transitions) return [];
  const problems: string[] = [];
  const processed = new Set(table.processedEvents.map((row) => row.event_id));
  const chains = new Map<string, string[]>();
  for (const transition of table.transitions) {
    const chain = chains.get(transition.order_id) ?? ['pending'];
    if (transition.from_status !== chain.at(-1)) {
      problems.push(`order ${transition.order_id}: moved ${transition.from_status} -> ${transition.to_status} after ${chain.join(' -> ')}`);
    }
    chain.push(transition.to_status);
    chains.set(transition.order_id, chain);
    if (transition.event_id !== null && !processed.has(transition.event_id)) {
      problems.push(`order ${transition.order_id}: changed by ${transition.event_id}, which is not recorded as processed`);
    }
  }
  for (const order of table.orders) {
    const last = chains.get(order.id)?.at(-1) ?? 'pending';
    if (last !== order.status) problems.push(`order ${order.id}: status ${order.status}, but its transitions end at ${last}`);
  }
  return problems;
}
