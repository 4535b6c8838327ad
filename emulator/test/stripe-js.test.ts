// The Stripe.js stand-in and its frame as served: where, with which headers and CSP, and with
// which origins baked in ('local': the emulator's own; 'stripe': Stripe's, for routed tests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestEmulator, type TestEmulator } from './helpers';

let local: TestEmulator;
let routed: TestEmulator;
beforeAll(async () => {
  local = await startTestEmulator();
  routed = await startTestEmulator({ publicOrigins: 'stripe' });
});
afterAll(async () => {
  await local.close();
  await routed.close();
});

describe('/endive/stripe.js', () => {
  it('is served where @stripe/stripe-js 10 loads it, loadable cross-origin, with the origins it talks to', async () => {
    expect(local.emulator.stripeJsUrl).toBe(`${local.emulator.url}/endive/stripe.js`);
    const res = await request(local.emulator.stripeJsUrl);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/javascript');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain(
      JSON.stringify({
        js: local.emulator.url,
        api: local.emulator.url,
        hooks: local.emulator.url,
        checkout: local.emulator.url,
        connect: local.emulator.url,
      }),
    );
    for (const name of [
      'createEmbeddedCheckoutPage',
      'initEmbeddedCheckout',
      'confirmPayment',
      'retrievePaymentIntent',
      'elements',
      '"endive"',
    ])
      expect(res.body).toContain(name);
    expect(res.body).not.toContain('import ');
  });

  it("uses Stripe's origins with publicOrigins 'stripe'", async () => {
    expect(routed.emulator.publicOrigins).toEqual({
      js: 'https://js.stripe.com',
      api: 'https://api.stripe.com',
      hooks: 'https://hooks.stripe.com',
      checkout: 'https://checkout.stripe.com',
      connect: 'https://connect-js.stripe.com',
    });
    expect(routed.emulator.stripeJsUrl).toBe('https://js.stripe.com/endive/stripe.js');
    expect(routed.emulator.connectJsUrl).toBe('https://connect-js.stripe.com/v1.0/connect.js');
    const res = await request(`${routed.emulator.url}/endive/stripe.js`);
    expect(res.body).toContain(
      '{"js":"https://js.stripe.com","api":"https://api.stripe.com","hooks":"https://hooks.stripe.com","checkout":"https://checkout.stripe.com","connect":"https://connect-js.stripe.com"}',
    );
    expect(res.body).not.toContain(routed.emulator.url);
  });
});

describe('/v1.0/connect.js', () => {
  it('is named where @stripe/connect-js 3 loads it on the Connect origin, and served there loadable cross-origin', async () => {
    expect(local.emulator.connectJsUrl).toBe(`${local.emulator.publicOrigins.connect}/v1.0/connect.js`);
    expect(new URL(local.emulator.connectJsUrl).origin).toBe(local.emulator.url);
    const res = await request(local.emulator.connectJsUrl);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/javascript');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toContain('StripeConnect');
  });
});

describe('the Payment Element frame', () => {
  it('holds the card fields, may be framed by the given origin only, and may talk to the API origin only', async () => {
    const res = await request(
      `${routed.emulator.url}/v3/elements-inner-payment.html?origin=${encodeURIComponent('https://shop.example:8443')}`,
    );
    expect(res.status).toBe(200);
    // Stripe's structure: the card tab, then the fields by name (a country select among them).
    expect(res.body).toMatch(/<button [^>]*role="tab"[^>]*data-testid="card"/);
    expect(res.body).toMatch(/<div id="card-panel" [^>]*hidden>/);
    for (const name of ['number', 'expiry', 'cvc', 'postalCode']) expect(res.body).toMatch(new RegExp(`<input [^>]*name="${name}"`));
    expect(res.body).toMatch(/<select [^>]*name="country"[^>]*><option value="US">United States<\/option>/);
    expect(res.body).toContain('<script src="/v3/elements-inner-payment.js"></script>');
    expect(res.body).not.toMatch(/<script>/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      expect.stringMatching(/^style-src 'sha256-[A-Za-z0-9+/=]+'$/),
      'connect-src https://api.stripe.com',
      "form-action 'none'",
      'frame-ancestors https://shop.example:8443',
      "base-uri 'none'",
    ]);
    const script = await request(`${routed.emulator.url}/v3/elements-inner-payment.js`);
    expect(script.headers['content-type']).toContain('application/javascript');
    expect(script.body).toContain('https://api.stripe.com');
  });

  it.each([
    ['no origin', ''],
    ['a path, not an origin', '?origin=https%3A%2F%2Fshop.example%2Fcheckout'],
    ['a javascript: URL', '?origin=javascript%3Aalert(1)'],
    ['two origins', '?origin=https%3A%2F%2Fa.example&origin=https%3A%2F%2Fb.example'],
  ])('refuses %s with 400', async (_name, query) => {
    const res = await request(`${local.emulator.url}/v3/elements-inner-payment.html${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('serves the outer 3-D Secure frame around the hooks one, framed by Checkout or the given shop only', async () => {
    const res = await request(
      `${routed.emulator.url}/v3/three-ds-2-challenge.html?token=tok_1&origin=${encodeURIComponent('https://shop.example:8443')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toContain(
      `<iframe id="challengeFrame" name="__stripeJSChallengeFrame" title="3D Secure challenge" class="challenge-frame" src="https://hooks.stripe.com/redirect/authenticate/tok_1?origin=https%3A%2F%2Fshop.example%3A8443">`,
    );
    expect(String(res.headers['content-security-policy']).split('; ')).toEqual([
      "default-src 'none'",
      expect.stringMatching(/^style-src 'sha256-[A-Za-z0-9+/=]+'$/),
      'frame-src https://hooks.stripe.com',
      "form-action 'none'",
      'frame-ancestors https://checkout.stripe.com https://shop.example:8443',
      "base-uri 'none'",
    ]);
    const hosted = await request(`${routed.emulator.url}/v3/three-ds-2-challenge.html?token=tok_1`);
    expect(String(hosted.headers['content-security-policy'])).toContain('frame-ancestors https://checkout.stripe.com;');
  });

  it.each([
    ['no token', '?origin=https%3A%2F%2Fshop.example'],
    ['a token that is a path', '?token=..%2F..%2Fv1%2Fcharges'],
    ['an origin that is a path', '?token=tok_1&origin=https%3A%2F%2Fshop.example%2Fx'],
  ])('refuses an outer 3-D Secure frame with %s (400)', async (_name, query) => {
    const res = await request(`${local.emulator.url}/v3/three-ds-2-challenge.html${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('serves the notify script for framed steps', async () => {
    const res = await request(`${local.emulator.url}/_emulator/notify-parent.js`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('postMessage');
  });
});
