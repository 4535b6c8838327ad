// The payments of a chaos run: a seeded plan over every outcome the app handles, carried out
// the way customers do it (the app's own API starts each checkout or PaymentIntent, then the
// customer pays, declines, abandons... through `emulator.actions`, the code paths of Stripe's
// pages and the dashboard's buttons, so the events are the ones a browser flow emits).
import type { Emulator } from '../../emulator/src/index';
import type { Random } from './prng';

export type Flow = 'hosted_page' | 'embedded_page' | 'payment_element';
export type ExpectedStatus = 'pending' | 'paid' | 'failed' | 'expired' | 'refunded' | 'disputed';

interface OutcomeDefinition {
  flows: readonly Flow[];
  weight: number;
  /** What the order must end as; cross-checked against the emulator's state. */
  expected: ExpectedStatus;
  /** Events the emulator emits for it (sizes the kill schedule). */
  events: number;
  /** Runs the customer's and the dashboard's steps once the app has started the payment. */
  run(steps: PaymentSteps): void;
}

/** What an outcome does: one call per customer or dashboard action. */
interface PaymentSteps {
  pay(card: string, email?: string): ReturnType<Emulator['actions']['payCheckoutSession']>;
  answerThreeDSecure(complete: boolean): void;
  settle(outcome: 'succeeded' | 'failed'): void;
  expire(): void;
  refund(): void;
  dispute(): void;
  goodCard: string;
  declinedCard: string;
}

const CHECKOUT: readonly Flow[] = ['hosted_page', 'embedded_page'];
const ELEMENT: readonly Flow[] = ['payment_element'];
const ANY: readonly Flow[] = [...CHECKOUT, ...ELEMENT];

// Succeeding cards of several brands, and decline reasons, from the README's test cards.
const GOOD_CARDS = [
  '4242 4242 4242 4242',
  '5555 5555 5555 4444',
  '3782 822463 10005',
  '6011 1111 1111 1117',
  '4000 0566 5566 5556',
  '3566 0020 2036 0505',
];
const DECLINED_CARDS = [
  '4000 0000 0000 0002',
  '4000 0000 0000 9995',
  '4000 0000 0000 9987',
  '4000 0000 0000 9979',
  '4000 0000 0000 0069',
  '4000 0000 0000 0127',
  '4000 0000 0000 0119',
];
const THREE_D_SECURE = ['4000 0025 0000 3155', '4000 0027 6000 3184'];
const DISPUTED_CARD = '4000 0000 0000 0259';
const DELAYED_EMAIL = 'buyer+delayed@example.com';

function expectKind(result: { kind: string }, kind: string, what: string): void {
  if (result.kind !== kind) throw new Error(`${what}: expected ${kind}, the emulator answered ${result.kind}`);
}

/** One customer or dashboard action of an outcome. */
type Step = (steps: PaymentSteps) => void;
type CardChoice = string | ((steps: PaymentSteps) => string);

const GOOD: CardChoice = (s) => s.goodCard;
const DECLINED: CardChoice = (s) => s.declinedCard;
const [THREE_D_SECURE_CARD = '', THREE_D_SECURE_FAILING_CARD = ''] = THREE_D_SECURE;

/** Pays with a card and checks what the emulator made of it ('succeeded', 'declined', ...). */
function pay(card: CardChoice, answer: string, email?: string): Step {
  return (s) => {
    const number = typeof card === 'string' ? card : card(s);
    expectKind(s.pay(number, email), answer, `paying with ${number}`);
  };
}
const expire: Step = (s) => s.expire();
const refund: Step = (s) => s.refund();
const dispute: Step = (s) => s.dispute();
const settle =
  (result: 'succeeded' | 'failed'): Step =>
  (s) =>
    s.settle(result);
const answerThreeDSecure =
  (complete: boolean): Step =>
  (s) =>
    s.answerThreeDSecure(complete);

function outcome(flows: readonly Flow[], weight: number, expected: ExpectedStatus, events: number, ...steps: Step[]): OutcomeDefinition {
  return { flows, weight, expected, events, run: (s) => steps.forEach((step) => step(s)) };
}

// name: outcome(flows, weight, the order's final status, events the emulator emits, ...steps)
export const OUTCOMES = {
  paid: outcome(ANY, 20, 'paid', 3, pay(GOOD, 'succeeded')),
  declined: outcome(ANY, 10, 'failed', 2, pay(DECLINED, 'declined')),
  declined_then_paid: outcome(ANY, 8, 'paid', 5, pay(DECLINED, 'declined'), pay(GOOD, 'succeeded')),
  expired: outcome(CHECKOUT, 6, 'expired', 1, expire),
  declined_then_expired: outcome(CHECKOUT, 4, 'expired', 3, pay(DECLINED, 'declined'), expire),
  delayed_succeeded: outcome(CHECKOUT, 6, 'paid', 6, pay(GOOD, 'processing', DELAYED_EMAIL), settle('succeeded')),
  delayed_failed: outcome(CHECKOUT, 5, 'failed', 6, pay(GOOD, 'processing', DELAYED_EMAIL), settle('failed')),
  three_d_secure_completed: outcome(ANY, 5, 'paid', 4, pay(THREE_D_SECURE_CARD, 'requires_action'), answerThreeDSecure(true)),
  three_d_secure_failed: outcome(ANY, 4, 'failed', 2, pay(THREE_D_SECURE_FAILING_CARD, 'requires_action'), answerThreeDSecure(false)),
  refunded: outcome(ANY, 7, 'refunded', 5, pay(GOOD, 'succeeded'), refund),
  disputed_by_card: outcome(ANY, 4, 'disputed', 4, pay(DISPUTED_CARD, 'succeeded')),
  disputed_on_dashboard: outcome(ANY, 3, 'disputed', 4, pay(GOOD, 'succeeded'), dispute),
  abandoned: outcome(ANY, 3, 'pending', 0),
  abandoned_at_three_d_secure: outcome(ANY, 2, 'pending', 1, pay(THREE_D_SECURE_CARD, 'requires_action')),
} satisfies Record<string, OutcomeDefinition>;

export type OutcomeName = keyof typeof OUTCOMES;

function outcomeDefinition(name: OutcomeName): OutcomeDefinition {
  return OUTCOMES[name];
}

export interface PlannedPayment {
  index: number;
  outcome: OutcomeName;
  flow: Flow;
  items: { productId: string; quantity: number }[];
  goodCard: string;
  declinedCard: string;
}

/** Everything random about the payments, drawn before anything runs, so the seed fixes it. */
export function planPayments(random: Random, count: number, productIds: readonly string[]): PlannedPayment[] {
  const names = Object.keys(OUTCOMES) as OutcomeName[];
  const weighted = names.map((name) => ({ value: name, weight: outcomeDefinition(name).weight }));
  const plan: PlannedPayment[] = [];
  for (let index = 0; index < count; index += 1) {
    // Every outcome at least once, then by weight.
    const outcome = index < names.length ? (names[index] as OutcomeName) : random.pickWeighted(weighted);
    const flows = outcomeDefinition(outcome).flows;
    const flow = index < names.length * 3 ? (flows[Math.floor(index / names.length) % flows.length] ?? 'hosted_page') : random.pick(flows);
    const lines = random.shuffle([...productIds]).slice(0, random.int(1, Math.min(3, productIds.length)));
    plan.push({
      index,
      outcome,
      flow,
      items: lines.map((productId) => ({ productId, quantity: random.int(1, 3) })),
      goodCard: random.pick(GOOD_CARDS),
      declinedCard: random.pick(DECLINED_CARDS),
    });
  }
  return plan;
}

export function expectedEventCount(plan: readonly PlannedPayment[]): number {
  return plan.reduce((sum, payment) => sum + outcomeDefinition(payment.outcome).events + (payment.flow === 'payment_element' ? 1 : 0), 0);
}

export function plannedStatus(payment: PlannedPayment): ExpectedStatus {
  return outcomeDefinition(payment.outcome).expected;
}

/** A payment the app started: the Checkout Session or the PaymentIntent behind its order. */
export interface StartedPayment {
  planned: PlannedPayment;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
}

/** `POST` to the app's API, as the shop's pages do; answers the parsed JSON body. */
export type AppApi = (path: string, body: unknown) => Promise<unknown>;

/** Starts the payment through the app, then carries out the customer's and dashboard's steps. */
export async function carryOutPayment(payment: PlannedPayment, api: AppApi, emulator: Emulator): Promise<StartedPayment> {
  const started = await startPayment(payment, api);
  const { actions } = emulator;
  const sessionId = started.checkoutSessionId;
  const intentOf = (): string => {
    if (started.paymentIntentId) return started.paymentIntentId;
    const intent = sessionId ? emulator.state.findCheckoutSession(sessionId)?.payment_intent : null;
    if (typeof intent !== 'string') throw new Error(`payment ${payment.index}: no PaymentIntent yet`);
    return intent;
  };
  const steps: PaymentSteps = {
    goodCard: payment.goodCard,
    declinedCard: payment.declinedCard,
    pay: (card, email) =>
      sessionId
        ? actions.payCheckoutSession(sessionId, { number: card, ...(email ? { email } : {}) })
        : actions.confirmPaymentIntent(intentOf(), { number: card }),
    answerThreeDSecure: (complete) => void actions.answerThreeDSecure(intentOf(), complete),
    settle: (outcome) => void actions.settleDelayedPayment(sessionId ?? '', outcome),
    expire: () => void actions.expireCheckoutSession(sessionId ?? ''),
    refund: () => void actions.refundPayment(intentOf()),
    dispute: () => void actions.disputePayment(intentOf()),
  };
  outcomeDefinition(payment.outcome).run(steps);
  return started;
}

async function startPayment(payment: PlannedPayment, api: AppApi): Promise<StartedPayment> {
  if (payment.flow === 'payment_element') {
    const answer = await api('/api/payment-intents', { items: payment.items });
    const clientSecret = readString(answer, 'clientSecret');
    return { planned: payment, checkoutSessionId: null, paymentIntentId: clientSecret.split('_secret_')[0] ?? '' };
  }
  const answer = await api('/api/checkout-sessions', { items: payment.items, uiMode: payment.flow });
  // Hosted: the page URL ends in the session id; embedded: the client secret starts with it.
  const sessionId =
    payment.flow === 'hosted_page'
      ? (new URL(readString(answer, 'url')).pathname.split('/').at(-1) ?? '')
      : (readString(answer, 'clientSecret').split('_secret_')[0] ?? '');
  return { planned: payment, checkoutSessionId: sessionId, paymentIntentId: null };
}

function readString(value: unknown, key: string): string {
  const field: unknown = typeof value === 'object' && value !== null ? Reflect.get(value, key) : undefined;
  if (typeof field !== 'string' || field === '') throw new Error(`The app's answer has no ${key}: ${JSON.stringify(value)}`);
  return field;
}
