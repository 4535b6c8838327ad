// The Stripe emulator for integration tests: free port, fast webhook retries, quiet logs.
import { pino } from 'pino';
import { startEmulator } from '../../../emulator/src/index';
import type { Emulator, EmulatorOptions } from '../../../emulator/src/index';
import { httpsRequest } from './https-request';

export type { Emulator };

export function startTestEmulator(options: Pick<EmulatorOptions, 'rateLimit' | 'clock'> = {}): Promise<Emulator> {
  return startEmulator({
    port: 0,
    publicOrigins: 'local',
    webhookRetryDelaysMs: [20, 50, 100],
    webhookTimeoutMs: 5_000,
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

/** Pays a Checkout Session the way a browser does: a form POST on the hosted page. */
export async function payOnHostedPage(
  emulator: Pick<Emulator, 'url' | 'ca'>,
  checkoutUrl: string,
  cardNumber: string,
  email = 'buyer@example.com',
) {
  const url = new URL(checkoutUrl);
  const form = new URLSearchParams({
    email,
    cardNumber,
    cardExpiry: '12 / 34',
    cardCvc: '123',
    billingName: 'Ada Lovelace',
    billingPostalCode: '10001',
  });
  return httpsRequest(`${emulator.url}${url.pathname}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    ca: emulator.ca,
  });
}

/**
 * Confirms a PaymentIntent the way the Payment Element's frame does: a form POST to the
 * emulator's publishable-key endpoint. The card number goes to "Stripe" only, never to us.
 */
export async function confirmAsPaymentElement(emulator: Pick<Emulator, 'url' | 'ca'>, clientSecret: string, cardNumber: string) {
  const intentId = clientSecret.split('_secret_')[0] ?? '';
  const form = new URLSearchParams({
    key: 'pk_test_emulated',
    client_secret: clientSecret,
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': cardNumber.replaceAll(' ', ''),
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': '2034',
    'payment_method_data[card][cvc]': '123',
  });
  return httpsRequest(`${emulator.url}/v1/payment_intents/${intentId}/confirm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    ca: emulator.ca,
  });
}

/** Presses a button on the emulator's dashboard (a same-origin form POST, as the browser sends it). */
export function pressDashboardButton(emulator: Pick<Emulator, 'url' | 'ca'>, path: string, form: Record<string, string> = {}) {
  return httpsRequest(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: emulator.url },
    body: new URLSearchParams(form).toString(),
    ca: emulator.ca,
  });
}
