// Node-side access to Stripe (or the emulator standing in for it) for what a browser cannot
// do: fetch a delivered event so a test can deliver it again.
import type Stripe from 'stripe';
import { createHarnessStripeClient } from '../../test-support/stripe-test-mode';
import type { RunningApp } from './app-process';

/** The app's client with the harness's patience for 429s: Stripe's sandbox is rate-limited, the emulator is not. */
export function createStripeClient(app: RunningApp): Stripe {
  return createHarnessStripeClient({
    secretKey: app.secretKey,
    apiUrl: app.emulatorPort === null ? null : new URL(`https://localhost:${app.emulatorPort}`),
    ca: app.emulatorPort === null ? null : app.ca,
  });
}

/** The `checkout.session.completed` event of one session, or undefined if none exists yet. */
export async function findCompletedEvent(stripe: Stripe, checkoutSessionId: string): Promise<Stripe.Event | undefined> {
  for await (const event of stripe.events.list({ type: 'checkout.session.completed', limit: 100 })) {
    const object: unknown = event.data.object;
    if (typeof object === 'object' && object !== null && 'id' in object && object.id === checkoutSessionId) return event;
  }
  return undefined;
}

/** Polls until the session's completed event exists (Stripe creates it just before delivery). */
export async function waitForCompletedEvent(stripe: Stripe, checkoutSessionId: string, timeoutMs = 15_000): Promise<Stripe.Event> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await findCompletedEvent(stripe, checkoutSessionId);
    if (event) return event;
    if (Date.now() > deadline) throw new Error(`No checkout.session.completed event for ${checkoutSessionId} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
