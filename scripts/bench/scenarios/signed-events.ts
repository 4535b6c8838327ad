// Load scenario (run in the load generator's process, see test-support/load/run-load.ts):
// Stripe webhook events as Stripe sends them, each with an id never used before (so none is a
// duplicate the app skips) and a Stripe-Signature made per request over the exact bytes
// (https://docs.stripe.com/webhooks#verify-manually). The events cycle through `objects`, the
// full objects Stripe would carry in `data.object` (the bench reads them from the emulator).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { signWebhookPayload } from '../../../emulator/src/webhooks/signature';
import type { CreateScenarioRequests } from '../../../test-support/load/run-load';

export const WEBHOOK_PATH = '/webhooks/stripe';

const SignedEventsOptionsSchema = z.object({
  secret: z.string().startsWith('whsec_'),
  type: z.string().min(1),
  objects: z.array(z.record(z.string(), z.unknown())).min(1),
});
export type SignedEventsOptions = z.infer<typeof SignedEventsOptionsSchema>;

export interface SignedEvent {
  body: string;
  headers: Record<string, string>;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * What makes this signer's event ids unique: random letters only. The app's store refuses a
 * value holding a Luhn-valid run of 13-19 digits (store/pan-guard.ts) and answers 500, as it
 * should for a card number. Hex here, followed by the counter, made such runs in about one
 * benchmark in twenty (dozens of 500s in a run); a letter ends any run, and the counter alone
 * stays far shorter. Stripe's own ids are base 62 (`evt_1Q…`), where such a run is as good as never seen.
 */
export function newRunId(): string {
  return Array.from(randomBytes(10), (byte) => LETTERS[byte % LETTERS.length]).join('');
}

/** The id of a run's `sent`-th event (the counter in base 36). */
export function benchEventId(run: string, sent: number): string {
  return `evt_bench${run}${sent.toString(36)}`;
}

/** Signs events of one type over `objects`; each call gives the next object and a fresh event id. */
export function createEventSigner(options: SignedEventsOptions): () => SignedEvent {
  const run = newRunId();
  let sent = 0;
  return () => {
    const object = options.objects[sent % options.objects.length];
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      id: benchEventId(run, sent++),
      object: 'event',
      api_version: '2025-01-27.acacia',
      created: now,
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: options.type,
    });
    return { body, headers: { 'content-type': 'application/json', 'stripe-signature': signWebhookPayload(body, options.secret, now) } };
  };
}

export const createRequests: CreateScenarioRequests = (raw) => {
  const options = SignedEventsOptionsSchema.parse(raw);
  const next = createEventSigner(options);
  return [
    {
      name: `POST ${WEBHOOK_PATH} (${options.type})`,
      method: 'POST',
      path: WEBHOOK_PATH,
      setupRequest: (request) => ({ ...request, ...next() }),
    },
  ];
};
