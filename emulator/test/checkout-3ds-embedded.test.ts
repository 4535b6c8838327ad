// Embedded Checkout (ui_mode=embedded_page): the session, its frame page and CSP, paying in
// it, and 3-D Secure for both Checkout pages: three frames deep over the form, as on Stripe
// (hosted: the answer moves the whole page on; embedded: it tells the shop page, which reloads the frame).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestSession,
  decodeHtml,
  PAN_3DS_REQUIRED,
  PAN_SUCCEEDS,
  payOnHostedPage,
  readChallengeFrames,
  readContinueUrl,
  request,
  startTestEmulator,
  type TestEmulator,
} from './helpers';

let t: TestEmulator;
beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(() => t.close());

const RETURN_URL = 'https://shop.example:8443/return?session_id={CHECKOUT_SESSION_ID}';

function createEmbeddedSession() {
  return t.stripe.checkout.sessions.create({
    mode: 'payment',
    ui_mode: 'embedded_page',
    return_url: RETURN_URL,
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Mug' } }, quantity: 1 }],
    metadata: { order_id: 'order_ec_1' },
  });
}

const CARD_FORM = { email: 'buyer@example.com', cardExpiry: '12 / 34', cardCvc: '123', billingName: 'Ada Lovelace' };

describe('embedded Checkout sessions', () => {
  it('have a client secret and return_url, and no hosted url', async () => {
    const session = await createEmbeddedSession();
    expect(session).toMatchObject({
      ui_mode: 'embedded_page',
      url: null,
      return_url: RETURN_URL,
      redirect_on_completion: 'always',
      success_url: null,
      status: 'open',
    });
    expect(session.client_secret).toMatch(new RegExp(`^${session.id}_secret_[A-Za-z0-9]{24}$`));
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).client_secret).toBe(session.client_secret);
    const hosted = await createTestSession(t.stripe);
    expect(hosted.client_secret).toBeNull();
  });

  it('serve a frame page only the return_url origin may embed, and only under /c/embedded', async () => {
    const session = await createEmbeddedSession();
    const page = await request(`${t.emulator.url}/c/embedded/${session.id}`);
    expect(page.status).toBe(200);
    for (const id of ['email', 'cardNumber', 'cardExpiry', 'cardCvc', 'billingName']) expect(page.body).toContain(`id="${id}"`);
    expect(page.body).toContain(`action="./${session.id}"`);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain('frame-ancestors https://shop.example:8443');
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect((await request(`${t.emulator.url}/c/pay/${session.id}`)).status).toBe(404);
    const hosted = await createTestSession(t.stripe);
    expect((await request(`${t.emulator.url}/c/embedded/${hosted.id}`)).status).toBe(404);
  });

  it('complete in the frame and tell the merchant page to go to return_url', async () => {
    const session = await createEmbeddedSession();
    const paid = await request(`${t.emulator.url}/c/embedded/${session.id}`, { form: { ...CARD_FORM, cardNumber: PAN_SUCCEEDS } });
    expect(paid.status).toBe(200);
    expect(paid.body).toContain('data-testid="embedded-complete"');
    expect(paid.body).toContain('data-target-origin="https://shop.example:8443"');
    expect(decodeHtml(paid.body)).toContain(`"returnUrl":"https://shop.example:8443/return?session_id=${session.id}"`);
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      metadata: { order_id: 'order_ec_1' },
    });
    const again = await request(`${t.emulator.url}/c/embedded/${session.id}`);
    expect(again.body).toContain('data-testid="embedded-complete"');
    expect((await request(`${t.emulator.url}/c/embedded/${session.id}`, { form: { ...CARD_FORM, cardNumber: PAN_SUCCEEDS } })).status).toBe(
      409,
    );
  });

  it('run 3-D Secure inside the frame, three frames deep; the answer tells the shop page only', async () => {
    const session = await createEmbeddedSession();
    const step = await request(`${t.emulator.url}/c/embedded/${session.id}`, { form: { ...CARD_FORM, cardNumber: PAN_3DS_REQUIRED } });
    expect(step.status).toBe(200);
    expect(String(step.headers['content-security-policy'])).toContain(`frame-src ${t.emulator.url};`);
    const frames = await readChallengeFrames(step.body);
    expect(frames.outerUrl.startsWith(`${t.emulator.url}/v3/three-ds-2-challenge.html?token=`)).toBe(true);
    expect(frames.outerUrl).toContain(`origin=${encodeURIComponent('https://shop.example:8443')}`);
    expect(frames.middleUrl.startsWith(`${t.emulator.url}/redirect/authenticate/`)).toBe(true);
    expect(frames.acsUrl.startsWith(`${t.emulator.url}/3d_secure_2/challenge/`)).toBe(true);
    // Every ancestor of each frame: the shop page, Checkout's frame, the js frame, the hooks frame.
    expect(String(frames.outer.headers['content-security-policy'])).toContain(
      `frame-ancestors ${t.emulator.url} https://shop.example:8443;`,
    );
    const ancestors = `frame-ancestors 'self' ${t.emulator.url} ${t.emulator.url} https://shop.example:8443;`;
    expect(String(frames.middle.headers['content-security-policy'])).toContain(ancestors);
    expect(String(frames.acs.headers['content-security-policy'])).toContain(ancestors);
    expect(frames.acs.body).not.toContain('target="_top"');
    const answered = await request(frames.acsUrl, { form: { outcome: 'complete' } });
    expect(answered.body).toContain('data-target-origin="https://shop.example:8443"');
    expect(decodeHtml(answered.body)).toContain('"type":"3ds-complete"');
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
  });
});

describe('3-D Secure on the hosted page', () => {
  it('"Complete" finishes the payment and redirects to success_url', async () => {
    const session = await createTestSession(t.stripe);
    const step = await payOnHostedPage(session, { cardNumber: PAN_3DS_REQUIRED });
    expect(step.status).toBe(200);
    const frames = await readChallengeFrames(step.body);
    expect(frames.outerUrl).not.toContain('origin=');
    const challengeUrl = frames.acsUrl;
    const challenge = frames.acs;
    expect(challenge.body).toContain('id="test-source-authorize-3ds"');
    // The answer moves the whole Checkout page on, not the innermost frame.
    expect(challenge.body).toContain('target="_top"');
    const csp = String(challenge.headers['content-security-policy']);
    expect(csp).toContain(`frame-ancestors 'self' ${t.emulator.url} ${t.emulator.url};`);
    expect(csp).toContain("form-action 'self' https://localhost:3000");
    expect(await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] })).toMatchObject({
      status: 'open',
      payment_intent: { status: 'requires_action' },
    });
    const done = await request(challengeUrl, { form: { outcome: 'complete' } });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`https://localhost:3000/success?session_id=${session.id}`);
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
  });

  it('"Fail" sends the customer back to the page with the reason, and another card can pay', async () => {
    const session = await createTestSession(t.stripe);
    const challengeUrl = (await readChallengeFrames((await payOnHostedPage(session, { cardNumber: PAN_3DS_REQUIRED })).body)).acsUrl;
    const back = await request(challengeUrl, { form: { outcome: 'fail' } });
    expect(readContinueUrl(back.body)).toBe(session.url);
    const page = await request(session.url ?? '');
    expect(page.body).toContain('data-testid="payment-error"');
    expect(page.body).toContain('unable to authenticate your payment method');
    const expanded = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(expanded).toMatchObject({
      status: 'open',
      payment_intent: { status: 'requires_payment_method', last_payment_error: { code: 'payment_intent_authentication_failure' } },
    });
    expect((await payOnHostedPage(session)).status).toBe(303);
  });
});
