// In-memory state of one emulator instance. Stored objects are never mutated: an update
// stores a new object, so an event's snapshot keeps the state it was created with.
import type Stripe from 'stripe';
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

export class EmulatorStore {
  readonly sessions = new Map<string, Stripe.Checkout.Session>();
  readonly lineItems = new Map<string, Stripe.LineItem[]>();
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>();
  readonly charges = new Map<string, Stripe.Charge>();
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>();
  /** Oldest first; listing reverses it. */
  readonly events: EmulatorEvent[] = [];
  readonly pendingWebhooks = new Map<string, number>();
  readonly webhookAttempts: WebhookAttempt[] = [];

  findEvent(id: string): EmulatorEvent | undefined {
    return this.events.find((event) => event.id === id);
  }

  /** An event as the API shows it now: `pending_webhooks` counts endpoints still owed it. */
  presentEvent(event: EmulatorEvent): EmulatorEvent {
    return { ...event, pending_webhooks: this.pendingWebhooks.get(event.id) ?? 0 };
  }
}
