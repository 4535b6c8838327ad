// In Debian's Chromium: a platform page under exactly Stripe's published CSP for Connect
// embedded components loads the Connect.js stand-in through the unchanged @stripe/connect-js
// loader, with Playwright routing connect-js.stripe.com to the emulator. The seller onboards
// through the account onboarding component (onExit fires, the account can take charges), the
// banner lists what is due, the payments component refunds a destination charge, and amounts
// show in their currency's minor unit (payments, and the payouts balance less the fee). No CSP
// violation, and the client secret never appears in a URL the browser requests.
import https from 'node:https';
import type Stripe from 'stripe';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../common/currency';
import { ensureDevCertificate } from '../../common/dev-certs';
import { CHROMIUM_ARGS, findChromium } from '../../test-support/browser';
import { startTestEmulator, type TestEmulator } from './helpers';

// https://docs.stripe.com/security/guide#content-security-policy (Connect embedded components).
const CONNECT_CSP = [
  "default-src 'self'",
  "script-src 'self' https://connect-js.stripe.com https://js.stripe.com",
  'frame-src https://connect-js.stripe.com https://js.stripe.com',
  "connect-src 'self'",
  'img-src https://*.stripe.com',
  "style-src 'sha256-0hAheEzaMe6uXIKV4EehS9pu1am1lj/KnnzrOYqckXk='",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

let t: TestEmulator;
let browser: Browser;
let platform: { url: string; requests: string[]; close: () => Promise<void> };
let account: Stripe.Account;

async function startPlatform(): Promise<typeof platform> {
  const script = (
    await build({
      entryPoints: [new URL('./fixtures/connect-page.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      format: 'esm',
      target: 'es2022',
    })
  ).outputFiles[0]?.text;
  const { cert, key } = await ensureDevCertificate();
  const requests: string[] = [];
  const server = https.createServer({ cert, key }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (path === '/account-session') {
      void t.stripe.accountSessions
        .create({
          account: account.id,
          components: {
            account_onboarding: { enabled: true },
            notification_banner: { enabled: true },
            payments: { enabled: true, features: { refund_management: true } },
            payouts: { enabled: true },
          },
        })
        .then((session) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ clientSecret: session.client_secret })),
        );
      return;
    }
    if (path === '/connect-page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html', 'content-security-policy': CONNECT_CSP })
      .end(
        '<!doctype html><html lang="en"><head><title>Seller</title></head><body><div id="root"></div><script type="module" src="/connect-page.js"></script></body></html>',
      );
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('platform server has no port');
  return {
    url: `https://localhost:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  t = await startTestEmulator({ publicOrigins: 'stripe' });
  platform = await startPlatform();
  browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS] });
});
afterAll(async () => {
  await browser?.close();
  await platform?.close();
  await t?.close();
});

async function openComponent(component: string): Promise<{ page: Page; problems: string[]; urls: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const problems: string[] = [];
  const urls: string[] = [];
  await context.route(
    (url) => url.origin !== platform.url,
    (route) => {
      problems.push(`unexpected request ${route.request().url()}`);
      return route.abort();
    },
  );
  await context.route(/^https:\/\/connect-js\.stripe\.com\//, async (route) => {
    const { pathname, search } = new URL(route.request().url());
    const response = await route.fetch({ url: `${t.emulator.url}${pathname}${search}`, maxRedirects: 0 });
    await route.fulfill({ response });
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('request', (request) => urls.push(request.url()));
  page.on('console', (message) => {
    if (/CSP violation|Content Security Policy|Refused to/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(`${platform.url}/?component=${component}`);
  return { page, problems, urls };
}

describe('Connect embedded components in Chromium under Stripe’s Connect CSP', () => {
  it('lists what is due in the banner, onboards through the onboarding component, and fires onExit', async () => {
    account = await t.stripe.accounts.create({
      controller: {
        fees: { payer: 'application' },
        losses: { payments: 'application' },
        stripe_dashboard: { type: 'none' },
        requirement_collection: 'application',
      },
    });
    const banner = await openComponent('notification-banner');
    const bannerFrame = banner.page.frameLocator('iframe[title="Stripe Connect notification-banner"]');
    const due = account.requirements?.currently_due ?? [];
    await expect.poll(() => bannerFrame.locator('#requirements li').allTextContents()).toEqual(due);
    await banner.page.waitForSelector(`body[data-notifications="${due.length}"]`, { state: 'attached' });

    const onboarding = await openComponent('account-onboarding');
    const frame = onboarding.page.frameLocator('iframe[title="Stripe Connect account-onboarding"]');
    await frame.locator('#tosAccepted').check();
    await frame.locator('button[type="submit"]').click();
    await onboarding.page.waitForSelector('body[data-exited="true"]', { state: 'attached' });
    expect(await t.stripe.accounts.retrieve(account.id)).toMatchObject({
      details_submitted: true,
      charges_enabled: true,
      payouts_enabled: true,
    });
    for (const opened of [banner, onboarding]) {
      expect(opened.problems).toEqual([]);
      expect(opened.urls.filter((url) => url.includes('accs_secret'))).toEqual([]);
    }
  }, 60_000);

  // The account onboarded by the test above.
  it('shows the destination charge in the payments component and refunds it from there', async () => {
    const intent = await t.stripe.paymentIntents.create({
      amount: 4200,
      currency: 'usd',
      transfer_data: { destination: account.id },
      application_fee_amount: 420,
    });
    const paid = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const { page, problems } = await openComponent('payments');
    const frame = page.frameLocator('iframe[title="Stripe Connect payments"]');
    const row = frame.locator(`tr[data-payment="${String(paid.latest_charge)}"]`);
    await row.locator('button', { hasText: 'Refund' }).click();
    await expect.poll(() => row.textContent()).toContain('Refunded');
    expect(await t.stripe.charges.retrieve(String(paid.latest_charge))).toMatchObject({ refunded: true });
    expect(problems).toEqual([]);
  }, 60_000);

  // Zero-decimal currencies: 1800 is ¥1,800 (https://docs.stripe.com/currencies#zero-decimal). The
  // account's balance is the transfer less the platform's fee, which Stripe takes back from it
  // (https://docs.stripe.com/connect/destination-charges#application-fee).
  it('shows amounts in the currency’s own minor unit, and the balance less the platform’s fee', async () => {
    const amount = 1800;
    const fee = 180;
    const intent = await t.stripe.paymentIntents.create({
      amount,
      currency: 'jpy',
      transfer_data: { destination: account.id },
      application_fee_amount: fee,
    });
    const paid = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const payments = await openComponent('payments');
    const row = payments.page
      .frameLocator('iframe[title="Stripe Connect payments"]')
      .locator(`tr[data-payment="${String(paid.latest_charge)}"]`);
    await expect.poll(() => row.locator('td').first().textContent()).toBe(formatAmount(amount, 'jpy', 'en-US'));
    const payouts = await openComponent('payouts');
    const balances = payouts.page.frameLocator('iframe[title="Stripe Connect payouts"]').locator('#balances li');
    await expect.poll(() => balances.allTextContents()).toContain(formatAmount(amount - fee, 'jpy', 'en-US'));
    expect([...payments.problems, ...payouts.problems]).toEqual([]);
  }, 60_000);
});
