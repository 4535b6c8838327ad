import type Stripe from 'stripe';
import type { EmulatorEvent } from './objects/event';
import type { EmulatorStore } from './store';

/** What the services share: state, the clock, and the way events leave. */
export interface EmulatorContext {
  store: EmulatorStore;
  /** Current time in ms since the epoch (injectable so tests can move past `expires_at`). */
  now: () => number;
  /** Records an event and hands it to webhook delivery. */
  emit: (event: EmulatorEvent) => void;
  /** Where browsers reach each Stripe surface: all the emulator's own origin, or Stripe's. */
  origins: PublicOrigins;
  /** Key for card fingerprints, random per start, so a fingerprint never reveals a number. */
  fingerprintKey: Buffer;
  /** The account's business name, shown on the Checkout pages. */
  businessName: string;
  /** The emulator's own account (`GET /v1/account`). */
  account: Stripe.Account;
}

/**
 * The browser-facing origins. With `publicOrigins: 'stripe'` they are Stripe's real ones and a
 * browser test routes them to the emulator, so the merchant page's CSP is exactly Stripe's set.
 */
export interface PublicOrigins {
  /** Stripe.js and the Payment Element frame (https://js.stripe.com). */
  js: string;
  /** API calls made from the browser with the publishable key (https://api.stripe.com). */
  api: string;
  /** The 3-D Secure challenge (https://hooks.stripe.com). */
  hooks: string;
  /** Hosted and embedded Checkout (https://checkout.stripe.com). */
  checkout: string;
  /** The Connect.js stand-in and its embedded component frames (https://connect-js.stripe.com). */
  connect: string;
}

export function nowSeconds(context: Pick<EmulatorContext, 'now'>): number {
  return Math.floor(context.now() / 1000);
}
