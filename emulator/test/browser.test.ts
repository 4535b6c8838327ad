// In Debian's Chromium: merchant pages whose CSP names only Stripe's published origins load
// the stand-in through the unchanged @stripe/stripe-js loader, mount the Payment Element and
// embedded Checkout, and pay (4242, a decline, 3-D Secure completed and failed), with
// Playwright routing js/api/hooks/checkout.stripe.com to the emulator. No CSP violation, and
// the typed card number never reaches the merchant server. Then the same with 'local' origins
// (emulated mode): the page names only the emulator's origin and loads /endive/stripe.js from it.
import https from 'node:https';
import { CHROMIUM_ARGS, findChromium } from '../../test-support/browser';
import { chromium, type Browser, type FrameLocator, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import {
  PAN_3DS_ALWAYS,
  PAN_3DS_REQUIRED,
  PAN_INSUFFICIENT_FUNDS,
  PAN_SUCCEEDS,
  PK_TEST,
  startTestEmulator,
  type TestEmulator,
} from './helpers';

// Stripe's published CSP sets (docs.stripe.com/security/guide#content-security-policy), without
// maps.googleapis.com (Address Element only). Embedded Checkout: Stripe.js's set plus Checkout's.
const STRIPE_JS = {
  script: 'https://js.stripe.com https://*.js.stripe.com',
  frame: 'https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com',
  connect: 'https://api.stripe.com',
};
const CHECKOUT = 'https://checkout.stripe.com';

function buildMerchantCsp(embedded: boolean, emulatorOrigin: string | null): string {
  if (emulatorOrigin) {
    // Emulated mode: the emulator's origin takes the place of all of Stripe's.
    return [
      `default-src 'self'`,
      `script-src 'self' ${emulatorOrigin}`,
      `frame-src ${emulatorOrigin}`,
      `connect-src 'self' ${emulatorOrigin}`,
      "img-src 'self'",
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
  }
  return [
    "default-src 'self'",
    `script-src 'self' ${STRIPE_JS.script}${embedded ? ` ${CHECKOUT}` : ''}`,
    `frame-src ${STRIPE_JS.frame}${embedded ? ` ${CHECKOUT}` : ''}`,
    `connect-src 'self' ${STRIPE_JS.connect}${embedded ? ` ${CHECKOUT}` : ''}`,
    `img-src 'self'${embedded ? ' https://*.stripe.com' : ''}`,
    "style-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

interface Merchant {
  url: string;
  /** Every request the merchant server received, with its body. */
  requests: string[];
  target: TestEmulator;
  /** 'local' origins: no routing, the page loads the stand-in from the emulator itself. */
  local: boolean;
  close: () => Promise<void>;
}

let t: TestEmulator;
let browser: Browser;
let merchant: Merchant;

async function bundle(file: string): Promise<string> {
  const result = await build({
    entryPoints: [new URL(`./fixtures/${file}`, import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The merchant's server: pages under a strict CSP, and the two server-side calls to Stripe. */
async function startMerchant(target: TestEmulator): Promise<Merchant> {
  const local = target.emulator.publicOrigins.js === target.emulator.url;
  const scripts = {
    '/payment-element.js': await bundle('payment-element-page.ts'),
    '/embedded-checkout.js': await bundle('embedded-checkout-page.ts'),
  };
  const { cert, key } = await ensureDevCertificate();
  const requests: string[] = [];
  let origin = '';
  const server = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
      void answer(new URL(req.url ?? '/', origin).pathname)
        .then(({ type, body, csp }) =>
          res.writeHead(200, { 'content-type': type, ...(csp ? { 'content-security-policy': csp } : {}) }).end(body),
        )
        .catch((error: unknown) => res.writeHead(500).end(String(error)));
    });
  });
  async function answer(path: string): Promise<{ type: string; body: string; csp?: string }> {
    if (path === '/create-payment-intent') {
      const intent = await target.stripe.paymentIntents.create({
        amount: 1999,
        currency: 'usd',
        automatic_payment_methods: { enabled: true },
      });
      return { type: 'application/json', body: JSON.stringify({ clientSecret: intent.client_secret, publishableKey: PK_TEST }) };
    }
    if (path === '/create-checkout-session') {
      const session = await target.stripe.checkout.sessions.create({
        mode: 'payment',
        ui_mode: 'embedded_page',
        return_url: `${origin}/return?session_id={CHECKOUT_SESSION_ID}`,
        line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Mug' } }, quantity: 1 }],
      });
      return { type: 'application/json', body: JSON.stringify({ clientSecret: session.client_secret, publishableKey: PK_TEST }) };
    }
    if (path === '/payment-element.js' || path === '/embedded-checkout.js') return { type: 'text/javascript', body: scripts[path] };
    // In emulated mode the client adds the stand-in's script itself; loadStripe then finds window.Stripe.
    const head = local ? `<script src="${target.emulator.stripeJsUrl}"></script>` : '';
    const page = (body: string, embedded: boolean) => ({
      type: 'text/html',
      csp: buildMerchantCsp(embedded, local ? target.emulator.url : null),
      body: `<!doctype html><html lang="en"><head><title>Shop</title>${head}</head><body>${body}</body></html>`,
    });
    if (path === '/payment-element')
      return page(
        '<div id="payment-element"></div><button id="pay">Pay</button><p id="result"></p><script type="module" src="/payment-element.js"></script>',
        false,
      );
    if (path === '/embedded-checkout')
      return page('<div id="checkout"></div><script type="module" src="/embedded-checkout.js"></script>', true);
    // Embedded Checkout under the Payment Element's narrower CSP: the browser must block the Checkout frame.
    if (path === '/embedded-checkout-under-payment-element-csp')
      return page('<div id="checkout"></div><script type="module" src="/embedded-checkout.js"></script>', false);
    return page('<h1 id="returned">Thanks</h1>', false);
  }
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('merchant server has no port');
  origin = `https://localhost:${address.port}`;
  return {
    url: origin,
    requests,
    target,
    local,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  t = await startTestEmulator({ publicOrigins: 'stripe' });
  merchant = await startMerchant(t);
  browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS] });
});
afterAll(async () => {
  await browser?.close();
  await merchant?.close();
  await t?.close();
});

interface Observed {
  page: Page;
  /** CSP violations, page errors, requests to anything but the merchant and Stripe's four origins. */
  problems: string[];
}

async function openPage(path: string, shop: Merchant = merchant): Promise<Observed> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const problems: string[] = [];
  // Later routes win: anything not the merchant's (or, in emulated mode, the emulator's) is
  // refused first, then Stripe's origins go to the emulator.
  const expected = new Set([shop.url, ...(shop.local ? [shop.target.emulator.url] : [])]);
  await context.route(
    (url) => !expected.has(url.origin),
    (route) => {
      problems.push(`unexpected request ${route.request().url()}`);
      return route.abort();
    },
  );
  if (!shop.local) {
    await context.route(/^https:\/\/(js|api|hooks|checkout)\.stripe\.com\//, async (route) => {
      const { pathname, search } = new URL(route.request().url());
      const response = await route.fetch({ url: `${shop.target.emulator.url}${pathname}${search}`, maxRedirects: 0 });
      await route.fulfill({ response });
    });
  }
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000); // fail with Playwright's message before Vitest's 20 s test timeout
  // Console errors other than CSP reports are not collected: a declined card's 402 is one.
  page.on('console', (message) => {
    if (/CSP violation|Content Security Policy|Refused to/.test(message.text()) || message.type() === 'warning')
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${shop.url}${path}`);
  return { page, problems };
}

async function fillPaymentElement(page: Page, pan: string): Promise<void> {
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  const frame = page.frameLocator('iframe[title="Secure payment input frame"][src*="elements-inner-payment"]');
  // Stripe's structure: the card tab opens the fields.
  await frame.locator('[data-testid="card"]').waitFor();
  expect(await frame.locator('[name="number"]').isVisible()).toBe(false);
  await frame.locator('[data-testid="card"]').click();
  await frame.locator('[name="number"]').fill(pan);
  await frame.locator('[name="expiry"]').fill('12 / 34');
  await frame.locator('[name="cvc"]').fill('123');
  await page.waitForSelector('body[data-complete="true"]', { state: 'attached' });
  await page.click('#pay');
}

/** The 3-D Secure test page, three frames deep inside `outer` (the challenge's `__privateStripeFrame…`). */
function challengeFrame(outer: FrameLocator): FrameLocator {
  return outer.frameLocator('iframe[name="__stripeJSChallengeFrame"]').frameLocator('iframe[name="acsFrame"]');
}

function expectNoLeak(pan: string): void {
  const digits = pan.replace(/\s/g, '');
  for (const line of merchant.requests) expect(line).not.toContain(digits.slice(0, 12));
}

describe('the Payment Element stand-in', () => {
  it('pays with 4242 and redirects to return_url with the redirect status', async () => {
    const { page, problems } = await openPage('/payment-element');
    await fillPaymentElement(page, PAN_SUCCEEDS);
    await page.waitForURL(/\/return\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('redirect_status')).toBe('succeeded');
    const intentId = url.searchParams.get('payment_intent') ?? '';
    expect(await t.stripe.paymentIntents.retrieve(intentId)).toMatchObject({ status: 'succeeded', amount_received: 1999 });
    expect(problems).toEqual([]);
    expectNoLeak(PAN_SUCCEEDS);
    await page.context().close();
  });

  it.each([
    [PAN_3DS_REQUIRED, 'complete', 'status:succeeded'],
    [PAN_3DS_ALWAYS, 'fail', 'error:payment_intent_authentication_failure'],
  ])('runs the 3-D Secure challenge for %s three frames deep, the inner two on hooks.stripe.com (%s)', async (pan, answer, shown) => {
    const { page, problems } = await openPage('/payment-element?redirect=if_required');
    await fillPaymentElement(page, pan);
    const challenge = challengeFrame(page.frameLocator('iframe[title="3DS authentication challenge"][name^="__privateStripeFrame"]'));
    await challenge.locator('#test-source-authorize-3ds').waitFor();
    const acs = page.frames().find((frame) => frame.name() === 'acsFrame');
    expect(acs?.url()).toMatch(/^https:\/\/hooks\.stripe\.com\/3d_secure_2\/challenge\//);
    expect(acs?.parentFrame()?.url()).toMatch(/^https:\/\/hooks\.stripe\.com\/redirect\/authenticate\//);
    expect(acs?.parentFrame()?.parentFrame()?.url()).toMatch(/^https:\/\/js\.stripe\.com\/v3\/three-ds-2-challenge\.html\?/);
    await challenge.locator(answer === 'complete' ? '#test-source-authorize-3ds' : '#test-source-fail-3ds').click();
    await expect.poll(() => page.textContent('#result')).toBe(shown);
    expect(await page.locator('iframe[title="3DS authentication challenge"]').count()).toBe(0);
    expect(problems).toEqual([]);
    expectNoLeak(pan);
    await page.context().close();
  });

  it('reports a decline to the page and shows it in the frame', async () => {
    const { page, problems } = await openPage('/payment-element?redirect=if_required');
    await fillPaymentElement(page, PAN_INSUFFICIENT_FUNDS);
    await expect.poll(() => page.textContent('#result')).toBe('error:card_declined');
    await expect
      .poll(() =>
        page
          .frameLocator('iframe[title="Secure payment input frame"][src*="elements-inner-payment"]')
          .locator('#payment-error')
          .textContent(),
      )
      .toBe('Your card has insufficient funds.');
    expect(problems).toEqual([]); // the API's 402 is logged as a failed resource (as with Stripe's), not collected

    await page.context().close();
  });
});

describe('Stripe(pk) in the page', () => {
  it('refuses a secret key and a live key, as Stripe.js does', async () => {
    const { page, problems } = await openPage('/payment-element?redirect=if_required');
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
    const errors = await page.evaluate(() =>
      ['sk_test_123456789', 'pk_live_123456789', ''].map((key) => {
        try {
          // window.Stripe is the stand-in here (typed by @stripe/stripe-js's global declaration).
          return window.Stripe ? `accepted ${typeof window.Stripe(key)}` : 'no window.Stripe';
        } catch (error) {
          return error instanceof Error ? `${error.name}: ${error.message}` : 'thrown';
        }
      }),
    );
    expect(errors[0]).toMatch(/^IntegrationError: You should not use your secret key with Stripe.js/);
    expect(errors[1]).toMatch(/^IntegrationError: .*pk_test_/);
    expect(errors[2]).toMatch(/^IntegrationError: Please call Stripe\(\) with your publishable key/);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('the embedded Checkout stand-in', () => {
  it('is blocked by the browser under the Payment Element page’s CSP (no checkout.stripe.com)', async () => {
    const { page, problems } = await openPage('/embedded-checkout-under-payment-element-csp');
    await expect
      .poll(() => problems.some((problem) => problem.includes('frame-src') && problem.includes('https://checkout.stripe.com')))
      .toBe(true);
    await page.context().close();
  });

  async function payEmbedded(page: Page, pan: string): Promise<void> {
    const frame = page.frameLocator('iframe[title="Embedded checkout"][name="embedded-checkout"]');
    await frame.locator('#email').fill('buyer@example.com');
    await frame.locator('[data-testid="card-accordion-item"]').click();
    await frame.locator('#cardNumber').fill(pan);
    await frame.locator('#cardExpiry').fill('12 / 34');
    await frame.locator('#cardCvc').fill('123');
    await frame.locator('#billingName').fill('Ada Lovelace');
    await frame.locator('[data-testid="hosted-payment-submit-button"]').click();
  }

  it('pays with 4242 and sends the customer to return_url', async () => {
    const { page, problems } = await openPage('/embedded-checkout');
    await payEmbedded(page, PAN_SUCCEEDS);
    await page.waitForURL(/\/return\?session_id=cs_test_/);
    const sessionId = new URL(page.url()).searchParams.get('session_id') ?? '';
    expect(await t.stripe.checkout.sessions.retrieve(sessionId)).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(problems).toEqual([]);
    expectNoLeak(PAN_SUCCEEDS);
    await page.context().close();
  });

  it('runs 3-D Secure inside the frame, three frames deep, and completes', async () => {
    const { page, problems } = await openPage('/embedded-checkout');
    await payEmbedded(page, PAN_3DS_REQUIRED);
    const checkout = page.frameLocator('iframe[name="embedded-checkout"]');
    await challengeFrame(checkout.frameLocator('iframe[name^="__privateStripeFrame"]')).locator('#test-source-authorize-3ds').click();
    await page.waitForURL(/\/return\?session_id=cs_test_/);
    expect(problems).toEqual([]);
    expectNoLeak(PAN_3DS_REQUIRED);
    await page.context().close();
  });
});

describe('the hosted page', () => {
  it('runs 3-D Secure in frames over checkout.stripe.com, then the whole page lands on success_url', async () => {
    const session = await t.stripe.checkout.sessions.create({
      mode: 'payment',
      ui_mode: 'hosted_page',
      success_url: `${merchant.url}/return?session_id={CHECKOUT_SESSION_ID}`,
      line_items: [{ price_data: { currency: 'usd', unit_amount: 1500, product_data: { name: 'Mug' } }, quantity: 1 }],
    });
    expect(session.url?.startsWith('https://checkout.stripe.com/c/pay/')).toBe(true);
    const { page, problems } = await openPage('/return');
    await page.goto(session.url ?? '');
    await page.fill('#email', 'buyer@example.com');
    await page.click('[data-testid="card-accordion-item"]');
    await page.fill('#cardNumber', PAN_3DS_REQUIRED);
    await page.fill('#cardExpiry', '12 / 34');
    await page.fill('#cardCvc', '123');
    await page.fill('#billingName', 'Ada Lovelace');
    await page.click('[data-testid="hosted-payment-submit-button"]');
    await challengeFrame(page.frameLocator('iframe[name^="__privateStripeFrame"]')).locator('#test-source-authorize-3ds').click();
    await page.waitForURL(`${merchant.url}/return?session_id=${session.id}`);
    expect(await t.stripe.checkout.sessions.retrieve(session.id)).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("emulated mode ('local' origins): the emulator's origin in place of Stripe's", () => {
  let local: TestEmulator;
  let shop: Merchant;
  beforeAll(async () => {
    local = await startTestEmulator({ publicOrigins: 'local' });
    shop = await startMerchant(local);
  });
  afterAll(async () => {
    await shop?.close();
    await local?.close();
  });

  it('mounts the Payment Element and completes 3-D Secure', async () => {
    const { page, problems } = await openPage('/payment-element?redirect=if_required', shop);
    await fillPaymentElement(page, PAN_3DS_REQUIRED);
    await challengeFrame(page.frameLocator('iframe[title="3DS authentication challenge"]')).locator('#test-source-authorize-3ds').click();
    await expect.poll(() => page.textContent('#result')).toBe('status:succeeded');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('mounts embedded Checkout and pays', async () => {
    const { page, problems } = await openPage('/embedded-checkout', shop);
    const frame = page.frameLocator('iframe[title="Embedded checkout"]');
    await frame.locator('#email').fill('buyer@example.com');
    await frame.locator('[data-testid="card-accordion-item"]').click();
    await frame.locator('#cardNumber').fill(PAN_SUCCEEDS);
    await frame.locator('#cardExpiry').fill('12 / 34');
    await frame.locator('#cardCvc').fill('123');
    await frame.locator('#billingName').fill('Ada Lovelace');
    await frame.locator('[data-testid="hosted-payment-submit-button"]').click();
    await page.waitForURL(/\/return\?session_id=cs_test_/);
    expect(problems).toEqual([]);
    expect(shop.requests.join('\n')).not.toContain('424242424242');
    await page.context().close();
  });
});
