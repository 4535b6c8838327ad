// The Stripe calls the app makes, made the way it makes them (same parameters, same expansions),
// on objects taken through each state the app reads: paid, failed, refunded, disputed, expired.
// The same sequence runs against the emulator (the offline check) and against Stripe's test mode
// (`npm run test:contract`, recording the fixtures). Intents are confirmed the same way on both
// (a server confirm with a test PaymentMethod); only a Checkout page differs, through a driver.
import type Stripe from 'stripe';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import type { StripeAnswerName } from '../../server/src/payments/stripe-fields-read';

export type PaymentOutcome = 'succeeds' | 'declines' | 'disputed';

/** How a customer pays where the answers come from. */
export interface ContractDriver {
  /**
   * Pays a hosted Checkout Session with a succeeding test card; `delayed` takes the
   * delayed-payment path and settles it so. False: it cannot be done here (Stripe's page needs a browser).
   */
  payCheckoutSession(session: Stripe.Checkout.Session, delayed?: 'succeeded' | 'failed'): Promise<boolean>;
  /** Polls until the check holds (Stripe opens a dispute a moment after the charge). */
  eventually<T>(check: () => Promise<T | undefined>): Promise<T>;
}

/** Stripe's test PaymentMethods (https://docs.stripe.com/testing#cards): no card number is sent. */
const TEST_PAYMENT_METHODS: Record<PaymentOutcome, string> = {
  succeeds: 'pm_card_visa',
  declines: 'pm_card_chargeDeclined',
  disputed: 'pm_card_createDispute',
};

/** A server-side confirmation with a test card of that outcome (a decline is not an error here). */
async function payIntent(stripe: Stripe, intent: Stripe.PaymentIntent, outcome: PaymentOutcome): Promise<void> {
  await stripe.paymentIntents
    .confirm(intent.id, { payment_method: TEST_PAYMENT_METHODS[outcome], return_url: 'https://example.com/return' })
    .catch((error: unknown) => {
      if (outcome !== 'declines') throw error;
    });
}

export type ContractAnswers = Partial<Record<StripeAnswerName, unknown[]>>;

const CURRENCY_AMOUNT = { currency: 'usd', unit_amount: 1234 } as const;

function sessionParams(uiMode: 'hosted_page' | 'embedded_page'): Stripe.Checkout.SessionCreateParams {
  const orderId = `contract-${Date.now()}`;
  return {
    mode: 'payment',
    ui_mode: uiMode,
    line_items: [{ quantity: 1, price_data: { ...CURRENCY_AMOUNT, product_data: { name: 'Contract check' } } }],
    client_reference_id: orderId,
    metadata: { order_id: orderId },
    payment_intent_data: { metadata: { order_id: orderId } },
    ...(uiMode === 'embedded_page'
      ? { return_url: 'https://example.com/return?session_id={CHECKOUT_SESSION_ID}' }
      : { success_url: 'https://example.com/success?session_id={CHECKOUT_SESSION_ID}', cancel_url: 'https://example.com/cancel' }),
  };
}

function idOf(value: string | { id: string } | null): string {
  if (value === null) throw new Error('Expected an object id, got null');
  return typeof value === 'string' ? value : value.id;
}

/** Every answer the app reads, several of each where the app reads them in several states. */
export async function collectAnswers(stripe: Stripe, driver: ContractDriver): Promise<ContractAnswers> {
  const answers: ContractAnswers = {};
  const add = (name: StripeAnswerName, answer: unknown) => (answers[name] ??= []).push(answer);
  const since = Math.floor(Date.now() / 1000) - 1;

  const retrieveSession = async (id: string) =>
    add('checkout.sessions.retrieve', await stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent.latest_charge'] }));
  const sessions: Stripe.Checkout.Session[] = [];
  for (const uiMode of ['hosted_page', 'embedded_page'] as const) {
    const session = await stripe.checkout.sessions.create(sessionParams(uiMode));
    add('checkout.sessions.create', session);
    sessions.push(session);
  }
  const [paid, expiring] = sessions as [Stripe.Checkout.Session, Stripe.Checkout.Session];
  await driver.payCheckoutSession(paid);
  await retrieveSession(paid.id);
  await stripe.checkout.sessions.expire(expiring.id);
  await retrieveSession(expiring.id);
  for (const outcome of ['succeeded', 'failed'] as const) {
    const delayed = await stripe.checkout.sessions.create(sessionParams('hosted_page'));
    if (await driver.payCheckoutSession(delayed, outcome)) await retrieveSession(delayed.id);
  }

  const intents: Partial<Record<PaymentOutcome, Stripe.PaymentIntent>> = {};
  for (const outcome of ['succeeds', 'declines', 'disputed'] as const) {
    const orderId = `contract-${outcome}-${Date.now()}`;
    const intent = await stripe.paymentIntents.create({
      amount: CURRENCY_AMOUNT.unit_amount,
      currency: CURRENCY_AMOUNT.currency,
      automatic_payment_methods: { enabled: true },
      metadata: { order_id: orderId },
    });
    add('paymentIntents.create', intent);
    await payIntent(stripe, intent, outcome);
    const retrieved = await stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] });
    add('paymentIntents.retrieve', retrieved);
    intents[outcome] = retrieved;
  }

  const refunded = intents.succeeds!;
  await stripe.refunds.create({ payment_intent: refunded.id });
  add('charges.retrieve', await stripe.charges.retrieve(idOf(refunded.latest_charge as string | Stripe.Charge | null)));

  const disputedIntent = intents.disputed!.id;
  const dispute = await driver.eventually(async () => {
    const page = await stripe.events.list({ type: 'charge.dispute.created', created: { gte: since }, limit: 100 });
    return page.data.find((event) => (event.data.object as Stripe.Dispute).payment_intent === disputedIntent);
  });
  add('disputes.retrieve', await stripe.disputes.retrieve((dispute.data.object as Stripe.Dispute).id));

  // Connect, as connected-accounts.ts creates a seller's account and its components' session.
  const account = await stripe.accounts.create({
    controller: {
      fees: { payer: 'application' },
      losses: { payments: 'application' },
      stripe_dashboard: { type: 'none' },
      requirement_collection: 'application',
    },
    capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
  });
  add('accounts.create', account);
  add('accounts.retrieve', await stripe.accounts.retrieve(account.id));
  add(
    'accountSessions.create',
    await stripe.accountSessions.create({ account: account.id, components: { account_onboarding: { enabled: true } } }),
  );

  // As reconcile.ts lists them; each event's own shape is one of the listed ones.
  const listed = await stripe.events.list({ created: { gte: since }, types: [...HANDLED_EVENT_TYPES], limit: 100 });
  add('events.list', listed);
  for (const event of listed.data) add(`event:${event.type as (typeof HANDLED_EVENT_TYPES)[number]}`, event);
  return answers;
}
