// `expand[]`: replace an id with the object it names, to a depth of four levels.
// https://docs.stripe.com/expand
import type Stripe from 'stripe';
import { invalidRequest } from './errors';
import type { EmulatorStore } from '../store';

const MAX_DEPTH = 4;

/** Groups `['payment_intent.latest_charge', 'line_items']` by first segment, checking each is expandable. */
function groupPaths(paths: readonly string[], expandable: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const path of paths) {
    const [head = '', ...rest] = path.split('.');
    if (path.split('.').length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, 'expand');
    }
    if (!expandable.includes(head)) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
    const group = groups.get(head) ?? [];
    if (rest.length > 0) group.push(rest.join('.'));
    groups.set(head, group);
  }
  return groups;
}

export function expandCheckoutSession(
  session: Stripe.Checkout.Session,
  paths: readonly string[],
  store: EmulatorStore,
): Stripe.Checkout.Session {
  if (paths.length === 0) return session;
  const groups = groupPaths(paths, ['payment_intent', 'line_items']);
  let expanded = session;
  const intentPaths = groups.get('payment_intent');
  if (intentPaths && typeof session.payment_intent === 'string') {
    const intent = store.paymentIntents.get(session.payment_intent);
    if (intent) expanded = { ...expanded, payment_intent: expandPaymentIntent(intent, intentPaths, store) };
  }
  if (groups.has('line_items')) {
    expanded = { ...expanded, line_items: listLineItems(session.id, store, { limit: 100 }) };
  }
  return expanded;
}

export function expandPaymentIntent(intent: Stripe.PaymentIntent, paths: readonly string[], store: EmulatorStore): Stripe.PaymentIntent {
  if (paths.length === 0) return intent;
  const groups = groupPaths(paths, ['latest_charge', 'payment_method']);
  let expanded = intent;
  const chargePaths = groups.get('latest_charge');
  if (chargePaths && typeof intent.latest_charge === 'string') {
    const charge = store.charges.get(intent.latest_charge);
    if (charge) expanded = { ...expanded, latest_charge: expandCharge(charge, chargePaths, store) };
  }
  if (groups.has('payment_method') && typeof intent.payment_method === 'string') {
    const method = store.paymentMethods.get(intent.payment_method);
    if (method) expanded = { ...expanded, payment_method: method };
  }
  return expanded;
}

export function expandCharge(charge: Stripe.Charge, paths: readonly string[], store: EmulatorStore): Stripe.Charge {
  if (paths.length === 0) return charge;
  const groups = groupPaths(paths, ['payment_intent', 'balance_transaction']);
  let expanded = charge;
  const intentPaths = groups.get('payment_intent');
  const intent = typeof charge.payment_intent === 'string' ? store.paymentIntents.get(charge.payment_intent) : undefined;
  if (intentPaths && intent) expanded = { ...expanded, payment_intent: expandPaymentIntent(intent, intentPaths, store) };
  if (groups.has('balance_transaction'))
    expanded = { ...expanded, balance_transaction: balanceTransactionOf(charge.balance_transaction, store) };
  return expanded;
}

/** What a refund and a dispute both name: the charge and its PaymentIntent. */
interface ChargeReversal {
  charge: string | Stripe.Charge | null;
  payment_intent: string | Stripe.PaymentIntent | null;
}

/** Stripe takes `expand[]` on every retrieve (https://docs.stripe.com/api/expanding_objects): a refund's or dispute's `charge` and `payment_intent`. */
export function expandChargeReversal<T extends ChargeReversal>(
  reversal: T,
  paths: readonly string[],
  store: EmulatorStore,
  expandable: readonly string[] = ['charge', 'payment_intent'],
): T {
  if (paths.length === 0) return reversal;
  const groups = groupPaths(paths, expandable);
  let expanded = reversal;
  const chargePaths = groups.get('charge');
  const charge = typeof reversal.charge === 'string' ? store.charges.get(reversal.charge) : undefined;
  if (chargePaths && charge) expanded = { ...expanded, charge: expandCharge(charge, chargePaths, store) };
  const intentPaths = groups.get('payment_intent');
  const intent = typeof reversal.payment_intent === 'string' ? store.paymentIntents.get(reversal.payment_intent) : undefined;
  if (intentPaths && intent) expanded = { ...expanded, payment_intent: expandPaymentIntent(intent, intentPaths, store) };
  return expanded;
}

export function expandRefund(refund: Stripe.Refund, paths: readonly string[], store: EmulatorStore): Stripe.Refund {
  const expanded = expandChargeReversal(refund, paths, store, ['charge', 'payment_intent', 'balance_transaction']);
  return paths.includes('balance_transaction')
    ? { ...expanded, balance_transaction: balanceTransactionOf(refund.balance_transaction, store) }
    : expanded;
}

/** A balance transaction id as its object (a balance transaction expands nothing further here). */
function balanceTransactionOf(
  transaction: string | Stripe.BalanceTransaction | null,
  store: EmulatorStore,
): string | Stripe.BalanceTransaction | null {
  return typeof transaction === 'string' ? (store.balanceTransactions.get(transaction) ?? transaction) : transaction;
}

export function listLineItems(
  sessionId: string,
  store: EmulatorStore,
  page: { limit: number; startingAfter?: string },
): Stripe.ApiList<Stripe.LineItem> {
  const all = store.lineItems.get(sessionId) ?? [];
  const start = page.startingAfter ? all.findIndex((item) => item.id === page.startingAfter) + 1 : 0;
  const data = all.slice(start, start + page.limit);
  return {
    object: 'list',
    data,
    has_more: start + page.limit < all.length,
    url: `/v1/checkout/sessions/${sessionId}/line_items`,
  };
}
