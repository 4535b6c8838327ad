// The emulator API calls the bench makes to set up a run (the load itself goes through
// autocannon, scenarios/): a PaymentIntent created with the secret key, confirmed as Stripe.js
// confirms it, and read back whole (what an event's data.object carries).
import { z } from 'zod';
import { httpsRequest } from '../lib/https-client';
import { EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY, confirmBody } from './scenarios/emulator-payments';

const IntentSchema = z.looseObject({ id: z.string().startsWith('pi_'), client_secret: z.string(), status: z.string() });
export type EmulatorIntent = z.infer<typeof IntentSchema>;

async function call(url: URL, ca: string, key: string, body?: string): Promise<EmulatorIntent> {
  const response = await httpsRequest(url, {
    ca,
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
    body,
  });
  const text = response.body.toString('utf8');
  if (response.status !== 200) throw new Error(`The emulator answered ${url.pathname} with ${response.status}: ${text.slice(0, 500)}`);
  return IntentSchema.parse(JSON.parse(text));
}

export function createIntent(emulatorUrl: string, ca: string, amount: number, currency: string): Promise<EmulatorIntent> {
  const body = new URLSearchParams({ amount: String(amount), currency }).toString();
  return call(new URL('/v1/payment_intents', emulatorUrl), ca, EMULATOR_SECRET_KEY, body);
}

/** Pays the intent with the succeeding test card. */
export function confirmIntent(emulatorUrl: string, ca: string, id: string, clientSecret: string): Promise<EmulatorIntent> {
  return call(new URL(`/v1/payment_intents/${id}/confirm`, emulatorUrl), ca, EMULATOR_PUBLISHABLE_KEY, confirmBody(clientSecret));
}

export function retrieveIntent(emulatorUrl: string, ca: string, id: string): Promise<EmulatorIntent> {
  return call(new URL(`/v1/payment_intents/${id}`, emulatorUrl), ca, EMULATOR_SECRET_KEY);
}

/** The PaymentIntent id a client secret belongs to (`pi_…_secret_…`). */
export function intentIdOf(clientSecret: string): string {
  const id = clientSecret.slice(0, clientSecret.indexOf('_secret_'));
  if (!id.startsWith('pi_')) throw new Error(`Not a PaymentIntent client secret: ${clientSecret.slice(0, 12)}…`);
  return id;
}
