// A card number typed into the hosted page never leaves it: not in the log, the webhook
// payloads, any API response, the dashboard, the re-rendered page or the redirect.
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  confirmFromBrowser,
  createPaymentIntent,
  createStripeClient,
  createTestSession,
  PK_TEST,
  payOnHostedPage,
  readChallengeFrames,
  request,
  startTestEmulator,
  startWebhookReceiver,
  waitFor,
  type TestEmulator,
  type WebhookReceiver,
} from './helpers';

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

  await waitFor(
    () =>
      t.logs.filter((line) => line.includes('"webhook delivered"')).length === receiver.received.length && receiver.received.length >= 9,
  );
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
    if ('object' in object && object.object === 'charge' && 'id' in object)
      seen.push(JSON.stringify(await t.stripe.charges.retrieve(object.id)));
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

const TYPED_IN_FRAMES = [
  '4000 0025 0000 3155', // 3-D Secure, completed
  '4000 0027 6000 3184', // 3-D Secure, failed
  '4000 0000 0000 0259', // succeeds, then disputed
  '4000 0000 0000 9995', // insufficient funds
  '4242 4242 4242 4242', // succeeds, then refunded
];

it('keeps card numbers sent by the Payment Element and the embedded page out of everything the emulator says', async () => {
  const out: string[] = [];
  const pk = createStripeClient(t.emulator, PK_TEST);
  for (const [index, pan] of TYPED_IN_FRAMES.entries()) {
    const intent = await createPaymentIntent(t.stripe);
    const confirmed = await confirmFromBrowser(t.emulator, intent, pan);
    out.push(confirmed.body, JSON.stringify(confirmed.headers));
    const challenge = (await t.stripe.paymentIntents.retrieve(intent.id)).next_action?.redirect_to_url?.url;
    if (challenge) {
      const url = `${challenge}?origin=https%3A%2F%2Fshop.example`;
      out.push((await request(url)).body, (await request(url, { form: { outcome: index === 0 ? 'complete' : 'fail' } })).body);
    }
    out.push(JSON.stringify(await pk.paymentIntents.retrieve(intent.id, { client_secret: intent.client_secret ?? '' })));
    out.push(JSON.stringify(await t.stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge', 'payment_method'] })));
    if (pan.startsWith('4242')) out.push(JSON.stringify(await t.stripe.refunds.create({ payment_intent: intent.id })));

    const session = await t.stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'embedded_page',
      return_url: 'https://localhost:3000/return?session_id={CHECKOUT_SESSION_ID}',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Pin' } }, quantity: 1 }],
    });
    const page = await request(`${t.emulator.url}/c/embedded/${session.id}`, {
      form: { email: 'a@example.com', cardNumber: pan, cardExpiry: '12 / 34', cardCvc: '123', billingName: 'A' },
    });
    out.push(page.body, JSON.stringify(page.headers));
    if (page.body.includes('__privateStripeFrame')) {
      const frames = await readChallengeFrames(page.body);
      out.push(frames.outer.body, frames.middle.body, frames.acs.body);
    }
    out.push(
      JSON.stringify(
        await t.stripe.checkout.sessions.retrieve(session.id, {
          expand: ['payment_intent.latest_charge', 'payment_intent.payment_method'],
        }),
      ),
    );
  }
  const events = await t.stripe.events.list({ limit: 100 });
  out.push(JSON.stringify(events));
  for (const event of events.data) {
    if (event.type === 'charge.dispute.created') out.push(JSON.stringify(await t.stripe.disputes.retrieve(event.data.object.id)));
  }
  await waitFor(() => receiver.received.length >= events.data.length);
  for (const hook of receiver.received) out.push(hook.body);
  out.push((await request(`${t.emulator.url}/`)).body);
  out.push(...t.logs);

  const everything = out.join('\n');
  expect(everything).toContain('0259'); // last4 is shown
  expect(events.data.map((event) => event.type)).toEqual(
    expect.arrayContaining(['charge.dispute.created', 'refund.created', 'payment_intent.requires_action']),
  );
  for (const pan of TYPED_IN_FRAMES) {
    expect(everything).not.toContain(leakedDigits(pan));
    expect(everything).not.toContain(pan);
  }
});
