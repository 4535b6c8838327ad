// What a customer does in a browser (pay on a Checkout page, confirm in the Payment Element
// frame, answer a 3-D Secure challenge) and what a person does on the dashboard (settle a
// delayed payment, expire, refund, dispute), as plain function calls. Load tests and the
// chaos harness drive thousands of payments this way without a browser, and every call goes
// through the same services as the page, frame or button, so the events are the same ones.
import type Stripe from 'stripe';
import { submitOnboarding } from './connected-accounts';
import { disputeCharge, findChallengeToken, resolveChallenge } from './card-payments';
import { parseCardForm } from './card-form';
import { payCheckoutSession, settleDelayedPayment } from './checkout-payments';
import { expireCheckoutSession, findCheckoutSession } from './checkout-sessions';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest, StripeError } from '../api/errors';
import { confirmPaymentIntentFromBrowser, findPaymentIntent } from './payment-intents';
import { createRefund } from './refunds';

/** A card as a customer types it: any test number from the README, formatted or not. */
export interface CardEntry {
  number: string;
  /** `MM / YY` as the hosted page takes it; default 12 / 34. */
  expiry?: string;
  cvc?: string;
  /** Checkout only. A local part ending in `+delayed` takes the delayed-payment path. */
  email?: string;
  name?: string;
  postalCode?: string;
}

/** Where the PaymentIntent stands after the customer pressed Pay. */
export type CustomerPaymentResult =
  | { kind: 'succeeded' | 'processing' | 'requires_action'; paymentIntent: Stripe.PaymentIntent }
  | { kind: 'declined'; paymentIntent: Stripe.PaymentIntent; code: string; declineCode: string };

export interface EmulatorActions {
  /** The hosted or embedded Checkout form posted with this card (validated as the page does). */
  payCheckoutSession(sessionId: string, card: CardEntry): CustomerPaymentResult;
  /** The Payment Element's confirmation with this card (checked as the API checks it). */
  confirmPaymentIntent(paymentIntentId: string, card: CardEntry): CustomerPaymentResult;
  /** **Complete** (`true`) or **Fail** (`false`) on the open 3-D Secure challenge of an intent. */
  answerThreeDSecure(paymentIntentId: string, complete: boolean): Stripe.PaymentIntent;
  /** The dashboard's **Payment succeeds** / **Payment fails** on a `+delayed` Checkout payment. */
  settleDelayedPayment(sessionId: string, outcome: 'succeeded' | 'failed'): Stripe.Checkout.Session;
  /** The dashboard's **Expire now**. */
  expireCheckoutSession(sessionId: string): Stripe.Checkout.Session;
  /** The dashboard's **Refund** (the whole payment). */
  refundPayment(paymentIntentId: string): Stripe.Refund;
  /** The dashboard's **Dispute** (fraudulent). */
  disputePayment(paymentIntentId: string): Stripe.Dispute;
  /** The account onboarding component submitted with test details (`account.updated` follows). */
  onboardConnectedAccount(accountId: string): Stripe.Account;
}

// Dashboard actions carry `request.id: null`, as Stripe's Dashboard events do.
const DASHBOARD_ACTION: Stripe.Event.Request = { id: null, idempotency_key: null };

export function createEmulatorActions(context: EmulatorContext): EmulatorActions {
  return {
    payCheckoutSession(sessionId, card) {
      const session = findCheckoutSession(context, sessionId);
      // The same parser as the page's form, so a bad card is refused for the same reasons.
      const form = parseCardForm(
        {
          email: card.email ?? 'buyer@example.com',
          cardNumber: card.number,
          cardExpiry: card.expiry ?? '12 / 34',
          cardCvc: card.cvc ?? (/^3[47]/.test(card.number.replace(/\D/g, '')) ? '1234' : '123'),
          billingName: card.name ?? 'Ada Lovelace',
          billingPostalCode: card.postalCode ?? '10001',
        },
        session.customer_email,
        new Date(context.now()),
      );
      if (!form.ok) throw invalidRequest(form.message, form.field, 'invalid_card_form');
      const result = payCheckoutSession(context, sessionId, form.card, {
        name: form.values.billingName,
        email: form.values.email,
        postalCode: form.values.billingPostalCode,
      });
      const paymentIntent = intentOfSession(context, sessionId);
      if (result.kind === 'declined') return { kind: 'declined', paymentIntent, code: result.code, declineCode: result.declineCode };
      return { kind: statusKind(paymentIntent), paymentIntent };
    },

    confirmPaymentIntent(paymentIntentId, card) {
      const [month, year] = (card.expiry ?? '12 / 34').split('/').map((part) => Number(part.trim()));
      const intent = findPaymentIntent(context, paymentIntentId);
      try {
        confirmPaymentIntentFromBrowser(
          context,
          intent,
          {
            number: card.number,
            expMonth: month ?? 0,
            expYear: 2000 + ((year ?? 0) % 100),
            cvc: card.cvc ?? '123',
            postalCode: card.postalCode ?? null,
          },
          null,
        );
      } catch (error) {
        // A decline is a 402 carrying the intent; a bad number or expiry is a 402 without one.
        if (error instanceof StripeError && error.details.paymentIntent !== undefined) {
          return {
            kind: 'declined',
            paymentIntent: findPaymentIntent(context, paymentIntentId),
            code: error.details.code ?? 'card_declined',
            declineCode: error.details.declineCode ?? '',
          };
        }
        throw error;
      }
      const paymentIntent = findPaymentIntent(context, paymentIntentId);
      return { kind: statusKind(paymentIntent), paymentIntent };
    },

    answerThreeDSecure(paymentIntentId, complete) {
      const token = findChallengeToken(context, paymentIntentId);
      if (!token)
        throw invalidRequest(
          `PaymentIntent ${paymentIntentId} has no open 3-D Secure challenge.`,
          undefined,
          'payment_intent_unexpected_state',
        );
      return resolveChallenge(context, token, complete);
    },

    settleDelayedPayment: (sessionId, outcome) => settleDelayedPayment(context, sessionId, outcome),

    expireCheckoutSession: (sessionId) => expireCheckoutSession(context, sessionId, DASHBOARD_ACTION),

    refundPayment: (paymentIntentId) => createRefund(context, { paymentIntentId, metadata: {} }, DASHBOARD_ACTION),

    disputePayment(paymentIntentId) {
      const intent = findPaymentIntent(context, paymentIntentId);
      if (typeof intent.latest_charge !== 'string' || intent.status !== 'succeeded')
        throw invalidRequest('Only a succeeded payment can be disputed.');
      return disputeCharge(context, intent.latest_charge, { created: nowSeconds(context), request: DASHBOARD_ACTION });
    },
    onboardConnectedAccount(accountId) {
      // The same test details the onboarding form is prefilled with (browser/connect-frame.ts).
      return submitOnboarding(context, accountId, {
        businessName: 'Test Maker',
        email: 'maker@example.com',
        businessUrl: 'https://example.com',
        productDescription: 'Handmade goods',
        bankLast4: '6789',
      });
    },
  };
}

function intentOfSession(context: EmulatorContext, sessionId: string): Stripe.PaymentIntent {
  const session = findCheckoutSession(context, sessionId);
  if (typeof session.payment_intent !== 'string') throw invalidRequest(`Checkout Session ${sessionId} has no PaymentIntent yet.`);
  return findPaymentIntent(context, session.payment_intent);
}

function statusKind(intent: Stripe.PaymentIntent): 'succeeded' | 'processing' | 'requires_action' {
  if (intent.status === 'succeeded') return 'succeeded';
  if (intent.status === 'processing') return 'processing';
  if (intent.status === 'requires_action') return 'requires_action';
  throw new Error(`Unexpected PaymentIntent status after a payment attempt: ${intent.status}`);
}
