import type { EmulatorEvent } from './objects/event';
import type { EmulatorStore } from './store';

/** What the services share: state, the clock, and the way events leave. */
export interface EmulatorContext {
  store: EmulatorStore;
  /** Current time in ms since the epoch (injectable so tests can move past `expires_at`). */
  now: () => number;
  /** Records an event and hands it to webhook delivery. */
  emit: (event: EmulatorEvent) => void;
  /** Origin of the hosted payment page URLs: the emulator's own or https://checkout.stripe.com. */
  hostedPageOrigin: string;
  /** Key for card fingerprints, random per start, so a fingerprint never reveals a number. */
  fingerprintKey: Buffer;
}

export function nowSeconds(context: Pick<EmulatorContext, 'now'>): number {
  return Math.floor(context.now() / 1000);
}
