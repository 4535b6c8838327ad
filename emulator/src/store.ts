// In-memory state of one emulator instance. Stored objects are never mutated: an update
// stores a new object, so an event's snapshot keeps the state it was created with.
import type Stripe from 'stripe';
import type { ConnectedAccountInput } from './objects/connected-account';
import type { EmulatorEvent } from './objects/event';

export interface WebhookAttempt {
  eventId: string;
  eventType: string;
  endpointUrl: string;
  attempt: number;
  /** When the attempt started, in ms since the epoch. */
  at: number;
  durationMs: number;
  /** HTTP status of the endpoint's answer; `null` when there was none (timeout, refused). */
  status: number | null;
  error: string | null;
  /** When the next attempt is due, in ms; `null` when delivered or given up. */
  nextAttemptAt: number | null;
}

/** A webhook endpoint as the API shows it, and the signing secret it is shown only once (at creation). */
export interface StoredWebhookEndpoint {
  endpoint: Stripe.WebhookEndpoint;
  secret: string;
  /** A Connect endpoint: it gets the events of connected accounts (those with `account`), and only those. */
  connect: boolean;
}

/** An Account Session's client secret and what it grants: one account's components, until it expires. */
export interface StoredAccountSession {
  account: string;
  expiresAt: number;
  components: Stripe.AccountSession.Components;
}

/** A connected account as the API shows it, and what it was built from (onboarding rebuilds it). */
export interface StoredConnectedAccount {
  input: ConnectedAccountInput;
  account: Stripe.Account;
}

/** A PaymentIntent's destination charge settings (`transfer_data[destination]`, `application_fee_amount`). */
export interface DestinationChargeData {
  destination: string;
  applicationFeeAmount: number | null;
}

export class EmulatorStore {
  readonly sessions = new Map<string, Stripe.Checkout.Session>();
  readonly lineItems = new Map<string, Stripe.LineItem[]>();
  /** A session's `payment_intent_data`, applied to the PaymentIntent Checkout makes for it. */
  readonly sessionIntentData = new Map<
    string,
    { metadata: Record<string, string>; description: string | null; destination: DestinationChargeData | null }
  >();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  readonly refunds = new Map<string, Stripe.Refund>();
  readonly disputes = new Map<string, Stripe.Dispute>();
  readonly balanceTransactions = new Map<string, Stripe.BalanceTransaction>();
  /** Connect: the platform's connected accounts, its Account Sessions (by client secret), transfers and fees. */
  readonly connectedAccounts = new Map<string, StoredConnectedAccount>();
  readonly accountSessions = new Map<string, StoredAccountSession>();
  readonly transfers = new Map<string, Stripe.Transfer>();
  readonly applicationFees = new Map<string, Stripe.ApplicationFee>();
  /** Open 3-D Secure challenges: unguessable token -> PaymentIntent id. */
  readonly challenges = new Map<string, string>();
  /** Oldest first; listing reverses it. */
  readonly events: EmulatorEvent[] = [];
  readonly pendingWebhooks = new Map<string, number>();
  readonly webhookAttempts: WebhookAttempt[] = [];
  /** The configured endpoints (options) and the ones created through the API, in creation order. */
  readonly webhookEndpoints = new Map<string, StoredWebhookEndpoint>();

  /** The Checkout Session that owns a PaymentIntent, if Checkout made it. */
  findSessionByPaymentIntent(paymentIntentId: string): Stripe.Checkout.Session | undefined {
    for (const session of this.sessions.values()) if (session.payment_intent === paymentIntentId) return session;
    return undefined;
  }

  findEvent(id: string): EmulatorEvent | undefined {
    return this.events.find((event) => event.id === id);
  }

  /** An event as the API shows it now: `pending_webhooks` counts endpoints still owed it. */
  presentEvent(event: EmulatorEvent): EmulatorEvent {
    return { ...event, pending_webhooks: this.pendingWebhooks.get(event.id) ?? 0 };
  }
}
