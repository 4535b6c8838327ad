// A card number typed into the hosted page never leaves it: not in the log, the webhook
// payloads, any API response, the dashboard, the re-rendered page or the redirect.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestSession, payOnHostedPage, request, startTestEmulator, startWebhookReceiver, waitFor, type TestEmulator, type WebhookReceiver } from './helpers';

const TYPED = [
  '4242 4242 4242 4242', // succeeds
  '4000 0000 0000 0002', // generic decline
  '4000000000009995', // insufficient funds
  '4111-1111-1111-1111', // Luhn-valid, not a test card
  '4242 4242 4242 4241', // Luhn-invalid
];

/** The digits a leak would contain. Last4 is allowed (Stripe shows it), so look for the first 12. */
function leakedDigits(pan: string): string {
  return pan.replace(/\D/g, '').slice(0, 12);
}

let t: TestEmulator;
let receiver: WebhookReceiver;
const seen: string[] = [];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  t = await startTestEmulator({ webhookEndpoints: [{ url: receiver.url, secret: 'whsec_panSafetyTestSecret' }] });
});
afterAll(async () => {
  await t.close();
  await receiver.close();
});

it('keeps typed card numbers out of logs, webhooks, API responses, pages and URLs', async () => {
  const sessionIds: string[] = [];
  for (const pan of TYPED) {
    const session = await createTestSession(t.stripe);
    sessionIds.push(session.id);
    const page = await payOnHostedPage(session, { cardNumber: pan });
    seen.push(page.body, JSON.stringify(page.headers));
  }
  // A successful payment after a decline on the same session.
  const retried = await createTestSession(t.stripe);
  sessionIds.push(retried.id);
  seen.push((await payOnHostedPage(retried, { cardNumber: '4000 0000 0000 0002' })).body);
  seen.push(JSON.stringify((await payOnHostedPage(retried, { cardNumber: '5555 5555 5555 4444' })).headers));

  await waitFor(() => t.logs.filter((line) => line.includes('"webhook delivered"')).length === receiver.received.length && receiver.received.length >= 9);
  for (const hook of receiver.received) seen.push(hook.body);

  for (const id of sessionIds) {
    const session = await t.stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent.latest_charge', 'line_items'] });
    seen.push(JSON.stringify(session));
    seen.push(JSON.stringify(await t.stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent.payment_method'] })));
  }
  const events = await t.stripe.events.list({ limit: 100 });
  seen.push(JSON.stringify(events));
  for (const event of events.data) {
    const object = event.data.object;
    if ('object' in object && object.object === 'charge' && 'id' in object) seen.push(JSON.stringify(await t.stripe.charges.retrieve(object.id)));
  }
  seen.push((await request(`${t.emulator.url}/`)).body);
  seen.push(...t.logs);

  const everything = seen.join('\n');
  expect(everything).toContain('4242'); // last4 is shown, as Stripe shows it
  expect(events.data.length).toBeGreaterThanOrEqual(9);
  for (const pan of TYPED) {
    expect(everything).not.toContain(leakedDigits(pan));
    expect(everything).not.toContain(pan);
  }
  expect(everything).not.toContain('555555555555');
});
