// The hosted payment page over plain HTTPS, as a browser without JavaScript uses it:
// selectors, test cards, validation, cancel, closed sessions, CSP and public origins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRAND } from '../../common/brand';
import {
  createTestSession,
  decodeHtml,
  PAN_GENERIC_DECLINE,
  PAN_INSUFFICIENT_FUNDS,
  payOnHostedPage,
  request,
  startTestEmulator,
  type TestEmulator,
} from './helpers';

let t: TestEmulator;
let clockOffsetMs = 0;
beforeAll(async () => {
  t = await startTestEmulator({ clock: () => Date.now() + clockOffsetMs });
});
afterAll(() => t.close());

function mustUrl(url: string | null): string {
  if (!url) throw new Error('session has no url');
  return url;
}

describe('the payment page', () => {
  it("renders Stripe's field ids, test ids, a relative form action and a cancel link", async () => {
    const session = await createTestSession(t.stripe);
    const page = await request(mustUrl(session.url));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    for (const id of ['email', 'cardNumber', 'cardExpiry', 'cardCvc', 'billingName']) expect(page.body).toContain(`id="${id}"`);
    expect(page.body).toContain('data-testid="hosted-payment-submit-button"');
    expect(page.body).toContain(`action="./${session.id}"`);
    expect(page.body).toContain('href="https://localhost:3000/cancel"');
    expect(page.body).toContain('$50.00');
    expect(page.body).not.toContain(t.emulator.url); // no absolute self-links: it also works as checkout.stripe.com
  });

  it("puts the card fields in Stripe's card accordion item: closed at first, open again after an error", async () => {
    const session = await createTestSession(t.stripe);
    const item = /<details class="accordion-item" data-testid="card-accordion-item"( open)?>([\s\S]*?)<\/details>/;
    const first = item.exec((await request(mustUrl(session.url))).body);
    expect(first?.[1]).toBeUndefined();
    for (const id of ['cardNumber', 'cardExpiry', 'cardCvc', 'billingName', 'billingPostalCode'])
      expect(first?.[2]).toContain(`id="${id}"`);
    expect(first?.[2]).not.toContain('id="email"');
    const refused = item.exec((await payOnHostedPage(session, { cardCvc: '' })).body);
    expect(refused?.[1]).toBe(' open');
  });

  it.each([
    ['usd', 2500, '$50.00'],
    // Zero-decimal (https://docs.stripe.com/currencies#zero-decimal): 2500 JPY is ¥2,500, never ¥25.
    ['jpy', 2500, '¥5,000'],
    ['eur', 1295, '€25.90'],
  ])('shows a %s total of unit_amount %i × 2 as %s, in minor units as Stripe counts them', async (currency, unitAmount, total) => {
    const session = await createTestSession(t.stripe, {
      line_items: [{ price_data: { currency, unit_amount: unitAmount, product_data: { name: 'Workshop T-shirt' } }, quantity: 2 }],
    });
    const page = decodeHtml((await request(mustUrl(session.url))).body);
    expect(page).toContain(total);
  });

  it('sends a CSP whose form-action allows the 303 to the success URL origin', async () => {
    const session = await createTestSession(t.stripe, {
      success_url: 'https://shop.example:8443/done?id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://shop.example:8443/cancel',
    });
    const page = await request(mustUrl(session.url));
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("form-action 'self' https://shop.example:8443");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-powered-by']).toBeUndefined();
  });

  it('pays with 4242 4242 4242 4242 and answers 303 to success_url with the session id', async () => {
    const session = await createTestSession(t.stripe);
    const res = await payOnHostedPage(session);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`https://localhost:3000/success?session_id=${session.id}`);
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
  });

  it.each([
    [PAN_GENERIC_DECLINE, 'generic_decline', 'Your card was declined.'],
    [PAN_INSUFFICIENT_FUNDS, 'insufficient_funds', 'Your card has insufficient funds.'],
  ])('declines %s (%s), shows it, and lets the customer pay with another card', async (pan, declineCode, message) => {
    const session = await createTestSession(t.stripe);
    const declined = await payOnHostedPage(session, { cardNumber: pan });
    expect(declined.status).toBe(402);
    expect(declined.body).toContain('data-testid="payment-error"');
    expect(declined.body).toContain(message);
    expect(declined.body).toContain('data-testid="hosted-payment-submit-button"');

    const afterDecline = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(afterDecline).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    if (typeof afterDecline.payment_intent !== 'object' || afterDecline.payment_intent === null) throw new Error('no intent');
    expect(afterDecline.payment_intent.status).toBe('requires_payment_method');
    expect(afterDecline.payment_intent.last_payment_error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: declineCode,
    });

    const retry = await payOnHostedPage(session);
    expect(retry.status).toBe(303);
    const paid = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(paid.status).toBe('complete');
    if (typeof paid.payment_intent !== 'object' || paid.payment_intent === null) throw new Error('no intent');
    expect(paid.payment_intent).toMatchObject({ id: afterDecline.payment_intent.id, status: 'succeeded', last_payment_error: null });
  });

  it.each([
    ['a Luhn-invalid number', { cardNumber: '4242 4242 4242 4241' }, 'Your card number is invalid.'],
    ['a past expiry', { cardExpiry: '01 / 20' }, "Your card's expiration year is in the past."],
    ['a missing card number', { cardNumber: '' }, 'Your card number is incomplete.'],
    ['a missing expiry', { cardExpiry: '' }, "Your card's expiration date is incomplete."],
    ['a missing CVC', { cardCvc: '' }, "Your card's security code is incomplete."],
    ['a missing name', { billingName: '' }, 'Your name is incomplete.'],
    ['a missing email', { email: '' }, 'Your email is incomplete.'],
  ])('refuses %s on the page and charges nothing', async (_name, fields, message) => {
    const session = await createTestSession(t.stripe);
    const res = await payOnHostedPage(session, fields);
    expect(res.status).toBe(400);
    expect(decodeHtml(res.body)).toContain(message);
    expect(res.body).toContain('aria-invalid="true"');
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'open', payment_intent: null });
  });

  it('declines a Luhn-valid number that is not a test card, as test mode does', async () => {
    const session = await createTestSession(t.stripe);
    const res = await payOnHostedPage(session, { cardNumber: '4111 1111 1111 1111' });
    expect(res.status).toBe(402);
    expect(res.body).toContain('non test card');
  });

  it('keeps a preset customer_email and ignores a posted one', async () => {
    const session = await createTestSession(t.stripe, { customer_email: 'preset@example.com' });
    const page = await request(mustUrl(session.url));
    expect(page.body).toMatch(/id="email"[^>]*value="preset@example.com"[^>]*readonly/);
    await payOnHostedPage(session, { email: 'other@example.com' });
    const paid = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(paid.customer_details?.email).toBe('preset@example.com');
  });

  it('refuses payment for a completed session', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session);
    const page = await request(mustUrl(session.url));
    expect(page.body).toContain('already complete');
    expect(page.body).not.toContain('id="cardNumber"');
    const again = await payOnHostedPage(session);
    expect(again.status).toBe(409);
    const { payment_intent: intentId } = await t.stripe.checkout.sessions.retrieve(session.id);
    const charges = (await t.stripe.events.list({ type: 'charge.succeeded', limit: 100 })).data;
    expect(charges.filter((event) => event.type === 'charge.succeeded' && event.data.object.payment_intent === intentId)).toHaveLength(1);
  });

  it('refuses payment for a session expired through the API', async () => {
    const session = await createTestSession(t.stripe);
    await t.stripe.checkout.sessions.expire(session.id);
    const res = await payOnHostedPage(session);
    expect(res.status).toBe(409);
    expect(res.body).toContain('expired');
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
  });

  it('expires a session by itself once expires_at has passed', async () => {
    const session = await createTestSession(t.stripe, { expires_at: Math.floor(Date.now() / 1000) + 31 * 60 });
    clockOffsetMs = 32 * 60 * 1000;
    try {
      const res = await payOnHostedPage(session);
      expect(res.status).toBe(409);
      expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
      const expiredEvents = await t.stripe.events.list({ type: 'checkout.session.expired', limit: 100 });
      expect(expiredEvents.data.some((event) => event.type === 'checkout.session.expired' && event.data.object.id === session.id)).toBe(
        true,
      );
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('answers 404 for an unknown session', async () => {
    const res = await request(`${t.emulator.url}/c/pay/cs_test_unknown`);
    expect(res.status).toBe(404);
  });
});

describe("publicOrigins: 'stripe'", () => {
  it('puts session URLs on https://checkout.stripe.com and serves the same path itself', async () => {
    const routed = await startTestEmulator({ publicOrigins: 'stripe' });
    try {
      const session = await createTestSession(routed.stripe);
      expect(session.url).toBe(`https://checkout.stripe.com/c/pay/${session.id}`);
      // What Playwright's route.fetch does: the same path, sent to the emulator.
      const path = new URL(mustUrl(session.url)).pathname;
      const page = await request(`${routed.emulator.url}${path}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`action="./${session.id}"`);
      const paid = await request(`${routed.emulator.url}${path}`, {
        form: { email: 'a@example.com', cardNumber: '4242424242424242', cardExpiry: '12/34', cardCvc: '123', billingName: 'A' },
      });
      expect(paid.status).toBe(303);
      expect(paid.headers.location).toBe(`https://localhost:3000/success?session_id=${session.id}`);
    } finally {
      await routed.close();
    }
  });
});

describe('the business name on the Checkout pages', () => {
  const payHeading = (body: string) => decodeHtml(/<h1 data-testid="business-name">([^<]*)<\/h1>/.exec(body)?.[1] ?? '');
  const title = (body: string) => decodeHtml(/<title>([^<]*)<\/title>/.exec(body)?.[1] ?? '');

  it("is the shop's name from config/brand.json by default, as Stripe shows the account's business name", async () => {
    const page = await request(mustUrl((await createTestSession(t.stripe)).url));
    expect(payHeading(page.body)).toBe(`Pay ${BRAND.shopName}`);
  });

  it('is the businessName option on the hosted and the embedded page, escaped', async () => {
    const businessName = `${BRAND.shopName} <Renamed> & "Co"`;
    const named = await startTestEmulator({ businessName });
    try {
      const hosted = await request(mustUrl((await createTestSession(named.stripe)).url));
      const embeddedSession = await named.stripe.checkout.sessions.create({
        mode: 'payment',
        ui_mode: 'embedded_page',
        return_url: 'https://localhost:3000/return?session_id={CHECKOUT_SESSION_ID}',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Mug' } }, quantity: 1 }],
      });
      const embedded = await request(`${named.emulator.url}/c/embedded/${embeddedSession.id}`);
      for (const page of [hosted, embedded]) {
        expect(page.status).toBe(200);
        expect(payHeading(page.body)).toBe(`Pay ${businessName}`);
        expect(title(page.body)).toContain(`Pay ${businessName}`);
        expect(page.body).not.toContain('<Renamed>');
        expect(page.body).not.toContain(`Pay ${BRAND.shopName}<`);
      }
    } finally {
      await named.close();
    }
  });

  it('refuses an empty name at startup, saying what to write', async () => {
    await expect(startTestEmulator({ businessName: ' ' })).rejects.toThrow(/businessName must be the shop name the Checkout pages show/);
  });
});
