// PaymentIntents for the Payment Element: created with the secret key through the SDK, read
// and confirmed the way Stripe.js does (publishable key + client secret, CORS), every card
// outcome, the 3-D Secure challenge, and the key rules.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmFromBrowser,
  createPaymentIntent,
  createStripeClient,
  decodeHtml,
  PAN_3DS_ALWAYS,
  PAN_3DS_REQUIRED,
  PAN_DISPUTED,
  PAN_GENERIC_DECLINE,
  PAN_INSUFFICIENT_FUNDS,
  PAN_SUCCEEDS,
  PK_TEST,
  request,
  startTestEmulator,
  TEST_KEY,
  type TestEmulator,
} from './helpers';

let t: TestEmulator;
let browserStripe: Stripe; // the SDK with the publishable key, as a stand-in for Stripe.js's reads
beforeAll(async () => {
  t = await startTestEmulator();
  browserStripe = createStripeClient(t.emulator, PK_TEST);
});
afterAll(() => t.close());

async function rejection(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

async function eventTypesFor(intentId: string): Promise<string[]> {
  const events = (await t.stripe.events.list({ limit: 100 })).data;
  return events
    .filter((event) => {
      const object = event.data.object;
      return ('payment_intent' in object && object.payment_intent === intentId) || ('id' in object && object.id === intentId);
    })
    .map((event) => event.type)
    .reverse();
}

describe('POST /v1/payment_intents', () => {
  it('creates a PaymentIntent with a client secret and emits payment_intent.created', async () => {
    const intent = await createPaymentIntent(t.stripe);
    expect(intent).toMatchObject({
      object: 'payment_intent',
      amount: 1999,
      currency: 'usd',
      status: 'requires_payment_method',
      automatic_payment_methods: { enabled: true },
      metadata: { order_id: 'order_pe_1' },
      livemode: false,
      latest_charge: null,
    });
    expect(intent.client_secret).toMatch(new RegExp(`^${intent.id}_secret_[A-Za-z0-9]{24}$`));
    expect(await eventTypesFor(intent.id)).toEqual(['payment_intent.created']);
    expect(await t.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ id: intent.id, client_secret: intent.client_secret });
  });

  it('replays an idempotent create and refuses bad parameters without creating anything', async () => {
    const first = await createPaymentIntent(t.stripe);
    const again = await t.stripe.paymentIntents.create({ amount: 500, currency: 'eur' }, { idempotencyKey: 'pi-key-1' });
    const replay = await t.stripe.paymentIntents.create({ amount: 500, currency: 'eur' }, { idempotencyKey: 'pi-key-1' });
    expect(replay.id).toBe(again.id);
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.id).not.toBe(again.id);
    const before = (await t.stripe.events.list({ limit: 100 })).data.length;
    const cases: [Stripe.PaymentIntentCreateParams, string][] = [
      [{ amount: 0, currency: 'usd' }, 'amount'],
      [{ amount: 100, currency: 'dollars' }, 'currency'],
    ];
    for (const [params, param] of cases) {
      const error = await rejection(t.stripe.paymentIntents.create(params));
      expect(error.statusCode).toBe(400);
      expect(error.param).toBe(param);
    }
    expect((await t.stripe.events.list({ limit: 100 })).data.length).toBe(before);
  });
});

describe('keys', () => {
  it('refuses the publishable key on secret-key endpoints', async () => {
    const error = await rejection(createPaymentIntent(browserStripe));
    expect(error.statusCode).toBe(401);
    expect(error.message).toContain('publishable API key');
    expect((await rejection(browserStripe.refunds.create({ payment_intent: 'pi_x' }))).statusCode).toBe(401);
  });

  it('reads an intent with the publishable key only with its own client secret, and shows only the browser fields', async () => {
    const intent = await createPaymentIntent(t.stripe);
    const read = await browserStripe.paymentIntents.retrieve(intent.id, { client_secret: intent.client_secret ?? '' });
    expect(read).toMatchObject({ id: intent.id, status: 'requires_payment_method', amount: 1999, client_secret: intent.client_secret });
    expect(read).not.toHaveProperty('metadata');
    expect(read).not.toHaveProperty('latest_charge');
    expect(read.lastResponse.headers['access-control-allow-origin']).toBe('*');

    const other = await createPaymentIntent(t.stripe);
    const wrong = await rejection(browserStripe.paymentIntents.retrieve(intent.id, { client_secret: other.client_secret ?? '' }));
    expect(wrong.statusCode).toBe(404);
    const missing = await rejection(browserStripe.paymentIntents.retrieve(intent.id));
    expect(missing).toMatchObject({ statusCode: 400, param: 'client_secret' });
    const secretRead = await t.stripe.paymentIntents.retrieve(intent.id);
    expect(secretRead.lastResponse.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    // Stripe.js's `key` parameter carries a publishable key; a secret key there (a browser holding it) is no key at all.
    ['a secret key as Stripe.js sends its key', 'sk_test_emulatorTests123', 'Authorization header'],
    ['a live publishable key', 'pk_live_abcdefghijkl', 'test-mode keys only'],
    ['no key', '', 'did not provide an API key'],
  ])('refuses a confirmation with %s and changes nothing', async (_name, key, message) => {
    const intent = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS, { key });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.json)).toContain(message);
    expect((await t.stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
  });

  it('confirms from a server with a secret key and a test PaymentMethod, answering the whole intent (Stripe allows it)', async () => {
    const intent = await createPaymentIntent(t.stripe);
    const confirmed = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] });
    expect(confirmed).toMatchObject({
      id: intent.id,
      status: 'succeeded',
      metadata: intent.metadata,
      latest_charge: { object: 'charge', paid: true },
    });

    const declined = await createPaymentIntent(t.stripe);
    const error = await rejection(t.stripe.paymentIntents.confirm(declined.id, { payment_method: 'pm_card_chargeDeclined' }));
    expect(error).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(error.payment_intent).toMatchObject({ id: declined.id, status: 'requires_payment_method', metadata: declined.metadata });
  });

  it('refuses a server confirmation with card numbers or an unknown PaymentMethod, and changes nothing', async () => {
    const intent = await createPaymentIntent(t.stripe);
    const raw = await request(`${t.emulator.url}/v1/payment_intents/${intent.id}/confirm`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
      form: { 'payment_method_data[type]': 'card', 'payment_method_data[card][number]': PAN_SUCCEEDS.replaceAll(' ', '') },
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toContain('test tokens');
    const unknown = await rejection(t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_unknown' }));
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'payment_method' });
    expect((await t.stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
  });

  it('refuses a confirmation with another intent’s client secret', async () => {
    const intent = await createPaymentIntent(t.stripe);
    const other = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, { id: intent.id, client_secret: other.client_secret }, PAN_SUCCEEDS);
    expect(res.status).toBe(404);
    expect((await t.stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
  });

  it('answers the CORS preflight for Stripe.js calls', async () => {
    const res = await request(`${t.emulator.url}/v1/payment_intents/pi_x/confirm`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('confirming from the browser', () => {
  it('succeeds with 4242: charge, events, and the browser view of the intent', async () => {
    const intent = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.json).toMatchObject({
      id: intent.id,
      object: 'payment_intent',
      status: 'succeeded',
      next_action: null,
      last_payment_error: null,
    });
    const stored = await t.stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge', 'payment_method'] });
    expect(stored).toMatchObject({ status: 'succeeded', amount_received: 1999 });
    if (typeof stored.latest_charge !== 'object' || stored.latest_charge === null) throw new Error('no charge');
    expect(stored.latest_charge.payment_method_details?.card).toMatchObject({
      brand: 'visa',
      last4: '4242',
      exp_month: 12,
      exp_year: 2034,
    });
    expect(await eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    const again = await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS);
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.json)).toContain('payment_intent_unexpected_state');
  });

  it.each([
    [PAN_GENERIC_DECLINE, 'generic_decline', 'Your card was declined.'],
    [PAN_INSUFFICIENT_FUNDS, 'insufficient_funds', 'Your card has insufficient funds.'],
  ])('declines %s (%s) with 402 and the intent inside the error, then lets a retry succeed', async (pan, declineCode, message) => {
    const intent = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, intent, pan);
    expect(res.status).toBe(402);
    expect(res.json.error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: declineCode,
      message,
      payment_intent: {
        id: intent.id,
        status: 'requires_payment_method',
        last_payment_error: { code: 'card_declined', decline_code: declineCode },
      },
    });
    expect(await eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
    expect((await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS)).json).toMatchObject({ status: 'succeeded' });
  });

  it.each([
    ['a Luhn-invalid number', { 'payment_method_data[card][number]': '4242424242424241' }, 'incorrect_number'],
    ['a past expiry', { 'payment_method_data[card][exp_year]': '2020' }, 'invalid_expiry_year'],
    ['a short CVC', { 'payment_method_data[card][cvc]': '1' }, 'invalid_cvc'],
  ])('refuses %s with a card_error and charges nothing', async (_name, overrides, code) => {
    const intent = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS, overrides);
    expect(res.status).toBe(402);
    expect(res.json.error).toMatchObject({ type: 'card_error', code });
    expect(await t.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ status: 'requires_payment_method', latest_charge: null });
  });

  it('refuses to confirm a Checkout Session’s intent from the Payment Element', async () => {
    const session = await t.stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'hosted_page',
      success_url: 'https://localhost:3000/s',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
    });
    const page = await request(session.url ?? '', {
      form: { email: 'a@example.com', cardNumber: PAN_GENERIC_DECLINE, cardExpiry: '12/34', cardCvc: '123', billingName: 'A' },
    });
    expect(page.status).toBe(402);
    const intent = await t.stripe.paymentIntents.retrieve(String((await t.stripe.checkout.sessions.retrieve(session.id)).payment_intent));
    const res = await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS);
    expect(res.status).toBe(400);
    expect((await t.stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
  });
});

describe('3-D Secure', () => {
  async function startChallenge(pan: string) {
    const intent = await createPaymentIntent(t.stripe);
    const res = await confirmFromBrowser(t.emulator, intent, pan);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      status: 'requires_action',
      next_action: { type: 'redirect_to_url', redirect_to_url: { return_url: 'https://localhost:3000/payment/return' } },
    });
    const stored = await t.stripe.paymentIntents.retrieve(intent.id);
    const url = stored.next_action?.redirect_to_url?.url ?? '';
    expect(url.startsWith(`${t.emulator.url}/3d_secure_2/challenge/`)).toBe(true);
    return { intent, url: `${url}?origin=${encodeURIComponent('https://shop.example')}` };
  }

  it.each([PAN_3DS_REQUIRED, PAN_3DS_ALWAYS])('%s needs a challenge; "Complete" makes the intent succeed', async (pan) => {
    const { intent, url } = await startChallenge(pan);
    expect(await eventTypesFor(intent.id)).toEqual(['payment_intent.created', 'payment_intent.requires_action']);
    const page = await request(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="test-source-authorize-3ds"');
    expect(page.body).toContain('id="test-source-fail-3ds"');
    const csp = String(page.headers['content-security-policy']);
    // Every ancestor of the innermost challenge frame: the hooks frame, the js frame, the shop page.
    expect(csp).toContain(`frame-ancestors 'self' ${t.emulator.url} https://shop.example;`);
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');

    const done = await request(url, { form: { outcome: 'complete' } });
    expect(done.status).toBe(200);
    expect(done.body).toContain('data-target-origin="https://shop.example"');
    expect(decodeHtml(done.body)).toContain('"type":"3ds-complete"');
    expect(done.body).toContain('<script src="/_emulator/notify-parent.js"></script>');
    expect(await t.stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ status: 'succeeded', next_action: null });
    expect(await eventTypesFor(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
    expect((await request(url, { form: { outcome: 'complete' } })).status).toBe(404);
  });

  it('"Fail" leaves the intent requires_payment_method with payment_intent_authentication_failure', async () => {
    const { intent, url } = await startChallenge(PAN_3DS_REQUIRED);
    await request(url, { form: { outcome: 'fail' } });
    const failed = await browserStripe.paymentIntents.retrieve(intent.id, { client_secret: intent.client_secret ?? '' });
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'payment_intent_authentication_failure', type: 'invalid_request_error' },
    });
    expect(await eventTypesFor(intent.id)).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.payment_failed',
    ]);
    expect((await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS)).json).toMatchObject({ status: 'succeeded' });
  });

  it('refuses a challenge page without a valid embedding origin, and a bad answer', async () => {
    const { url } = await startChallenge(PAN_3DS_REQUIRED);
    const bare = url.split('?')[0] ?? '';
    expect((await request(bare)).status).toBe(404);
    expect((await request(`${bare}?origin=${encodeURIComponent('javascript:alert(1)')}`)).status).toBe(404);
    expect((await request(url, { form: { outcome: 'maybe' } })).status).toBe(400);
    expect((await request(`${t.emulator.url}/3d_secure_2/challenge/tds_unknown?origin=https%3A%2F%2Fshop.example`)).status).toBe(404);
  });
});

describe('disputes', () => {
  it('4000 0000 0000 0259 succeeds, then opens a dispute readable with GET /v1/disputes/:id', async () => {
    const intent = await createPaymentIntent(t.stripe);
    expect((await confirmFromBrowser(t.emulator, intent, PAN_DISPUTED)).json).toMatchObject({ status: 'succeeded' });
    expect(await eventTypesFor(intent.id)).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'charge.dispute.created',
    ]);
    const [event] = (await t.stripe.events.list({ type: 'charge.dispute.created', limit: 1 })).data;
    if (event?.type !== 'charge.dispute.created') throw new Error('no dispute event');
    const dispute = await t.stripe.disputes.retrieve(event.data.object.id);
    expect(dispute).toMatchObject({
      object: 'dispute',
      payment_intent: intent.id,
      amount: 1999,
      currency: 'usd',
      reason: 'fraudulent',
      status: 'needs_response',
    });
    expect(dispute.id).toMatch(/^dp_/);
    expect((await t.stripe.charges.retrieve(String(dispute.charge))).disputed).toBe(true);
    expect((await rejection(t.stripe.disputes.retrieve('dp_missing'))).statusCode).toBe(404);
  });

  it('GET /v1/disputes/:id expands charge and payment_intent, as every Stripe retrieve does', async () => {
    const intent = await createPaymentIntent(t.stripe);
    await confirmFromBrowser(t.emulator, intent, PAN_DISPUTED);
    const [event] = (await t.stripe.events.list({ type: 'charge.dispute.created', limit: 1 })).data;
    if (event?.type !== 'charge.dispute.created') throw new Error('no dispute event');
    const dispute = await t.stripe.disputes.retrieve(event.data.object.id, { expand: ['charge', 'payment_intent.latest_charge'] });
    expect(dispute.charge).toMatchObject({ object: 'charge', disputed: true });
    expect(dispute.payment_intent).toMatchObject({ object: 'payment_intent', id: intent.id, latest_charge: { object: 'charge' } });
    expect((await rejection(t.stripe.disputes.retrieve(dispute.id, { expand: ['evidence'] }))).statusCode).toBe(400);
  });
});
