// Load scenario (run in the load generator's process, see test-support/load/run-load.ts): card
// payments against the emulator's API, two calls each, as an integration and Stripe.js make
// them: create a PaymentIntent with the secret key, then confirm it with the publishable key,
// its client secret and a test card that succeeds. A confirmed payment is what makes the
// emulator emit (and, with an endpoint, deliver) its events.
import { z } from 'zod';
import type { CreateScenarioRequests } from '../../../test-support/load/run-load';

export const CONFIRM_REQUEST = 'confirm PaymentIntent';
/** Test keys of the emulator's format; it accepts any well-formed test key. */
export const EMULATOR_SECRET_KEY = 'sk_test_benchmark0123456789';
export const EMULATOR_PUBLISHABLE_KEY = 'pk_test_benchmark0123456789';
/** The test card that succeeds without authentication (README, "Test cards"). */
export const SUCCEEDING_CARD = '4242424242424242';

const PaymentOptionsSchema = z.object({ amount: z.number().int().positive(), currency: z.string().length(3) });

const IntentSchema = z.object({ id: z.string(), client_secret: z.string() });

const form = (values: Record<string, string>) => new URLSearchParams(values).toString();

/** The confirm call's form body for an intent: the succeeding test card, as Stripe.js sends it. */
export function confirmBody(clientSecret: string): string {
  return form({
    client_secret: clientSecret,
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': SUCCEEDING_CARD,
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': String(new Date().getFullYear() + 5),
    'payment_method_data[card][cvc]': '123',
  });
}

export const createRequests: CreateScenarioRequests = (raw) => {
  const options = PaymentOptionsSchema.parse(raw);
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  return [
    {
      name: 'create PaymentIntent',
      method: 'POST',
      path: '/v1/payment_intents',
      headers: { ...formHeaders, authorization: `Bearer ${EMULATOR_SECRET_KEY}` },
      body: form({ amount: String(options.amount), currency: options.currency }),
      onResponse: (status, body, context) => {
        context['intent'] = status === 200 ? IntentSchema.parse(JSON.parse(body)) : undefined;
      },
    },
    {
      name: CONFIRM_REQUEST,
      method: 'POST',
      headers: { ...formHeaders, authorization: `Bearer ${EMULATOR_PUBLISHABLE_KEY}` },
      setupRequest: (request, context) => {
        const intent = IntentSchema.safeParse(context['intent']);
        // No intent (the create failed): confirm a made-up one, which counts as a failed payment.
        const { id, client_secret } = intent.success ? intent.data : { id: 'pi_missing', client_secret: 'pi_missing_secret_x' };
        return { ...request, path: `/v1/payment_intents/${id}/confirm`, body: confirmBody(client_secret) };
      },
    },
  ];
};
