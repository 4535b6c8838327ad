// The Stripe emulator for integration tests: free port, fast webhook retries, quiet logs.
import { pino } from 'pino';
import { startEmulator } from '../../../emulator/src/index';
import type { Emulator } from '../../../emulator/src/index';
import { httpsRequest } from './https-request';

export type { Emulator };

export function startTestEmulator(): Promise<Emulator> {
  return startEmulator({ port: 0, publicOrigins: 'local', webhookRetryDelaysMs: [20, 50, 100], webhookTimeoutMs: 5_000, logger: pino({ level: 'silent' }) });
}

/** Pays a Checkout Session the way a browser does: a form POST on the hosted page. */
export async function payOnHostedPage(emulator: Pick<Emulator, 'url' | 'ca'>, checkoutUrl: string, cardNumber: string) {
  const url = new URL(checkoutUrl);
  const form = new URLSearchParams({
    email: 'buyer@example.com',
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
