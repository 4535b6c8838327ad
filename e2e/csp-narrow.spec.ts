// Each page's CSP is narrow, not one shared policy: serve a Stripe.js page with the policy of
// another flow and the browser blocks Stripe. The policies are the server's own (taken from the
// page that normally gets them), with only the nonce swapped so our own script still runs.
import type { Page } from '@playwright/test';
import type { RunningApp } from './support/app-process';
import { expect, test } from './support/fixtures';
import { signInNewSeller } from './support/seller-session';
import { chooseFlow, embeddedCheckoutFrame, paymentElementFrame } from './support/stripe-js-flows';
import { SELLER_HOME_ROUTE } from '../common/api-contract';

// Stripe.js itself (Stripe's own, in the stripe-test-mode project) also calls Stripe's other
// hosts, which the wrong policy blocks too: any Stripe host is tolerated, and each test asserts
// that the frame it is about was refused.
const STRIPE_BLOCKED =
  /((?:frame|connect)-src blocked |Refused to (?:frame|connect to) '|Framing ')https:\/\/[a-z0-9.-]+\.stripe\.(?:com|network)\b/;

/** Serves `path` with the CSP the server gives `policyFrom`, keeping the response's own nonce. */
async function serveWithPolicyOf(page: Page, app: RunningApp, path: string, policyFrom: string): Promise<string> {
  const other = (await page.request.get(policyFrom)).headers()['content-security-policy'] ?? '';
  expect(other).toContain("default-src 'none'");
  await page.route(`${app.baseURL}${path}`, async (route) => {
    const response = await route.fetch();
    const own = response.headers()['content-security-policy'] ?? '';
    const nonce = /'nonce-([^']+)'/.exec(own)?.[1] ?? '';
    expect(nonce).not.toBe('');
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': other.replace(/'nonce-[^']+'/g, `'nonce-${nonce}'`) },
    });
  });
  return other;
}

/** Records the frames the browser refused to load (Chrome says so on the console, in the frame's context). */
function collectBlockedFrames(page: Page): string[] {
  const blocked: string[] = [];
  page.context().on('console', (message) => {
    const match = /(?:Refused to frame|Framing) '([^']+)'/.exec(message.text());
    if (match?.[1]) blocked.push(match[1]);
  });
  return blocked;
}

test.describe("the Payment Element page under the hosted pages' CSP", () => {
  test.use({ expectedCspViolations: [STRIPE_BLOCKED] });

  test("blocks Stripe's card frame, so no card field ever appears", async ({ page, app }) => {
    const policy = await serveWithPolicyOf(page, app, '/payment', '/');
    expect(policy).not.toContain('stripe.com');
    const blocked = collectBlockedFrames(page);
    await chooseFlow(page, 'payment-element');
    await expect.poll(() => blocked.some((url) => url.startsWith('https://js.stripe.com/'))).toBe(true);
    await expect(paymentElementFrame(page).locator('input[name="number"]')).toHaveCount(0);
    await expect(page.getByTestId('pay-button')).toBeDisabled();
  });
});

test.describe("the embedded Checkout page under the Payment Element page's CSP", () => {
  test.use({ expectedCspViolations: [STRIPE_BLOCKED] });

  test("blocks the Checkout frame: Stripe.js's set alone is not enough for embedded Checkout", async ({ page, app }) => {
    const policy = await serveWithPolicyOf(page, app, '/embedded-checkout', '/payment');
    expect(policy).toContain('https://js.stripe.com');
    expect(policy).not.toContain('checkout.stripe.com');
    const blocked = collectBlockedFrames(page);
    await chooseFlow(page, 'embedded');
    await expect.poll(() => blocked.some((url) => url.startsWith('https://checkout.stripe.com/'))).toBe(true);
    await expect(embeddedCheckoutFrame(page).locator('#cardNumber')).toHaveCount(0);
  });
});

test.describe("the embedded Checkout page under the hosted pages' CSP", () => {
  test.use({ expectedCspViolations: [STRIPE_BLOCKED] });

  test('blocks the Checkout frame', async ({ page, app }) => {
    await serveWithPolicyOf(page, app, '/embedded-checkout', '/');
    const blocked = collectBlockedFrames(page);
    await chooseFlow(page, 'embedded');
    await expect.poll(() => blocked.some((url) => url.startsWith('https://checkout.stripe.com/'))).toBe(true);
    await expect(embeddedCheckoutFrame(page).locator('#cardNumber')).toHaveCount(0);
  });
});

test.describe("the seller page under the Payment Element page's CSP", () => {
  test.use({ expectedCspViolations: [STRIPE_BLOCKED], paysByCard: false });

  test("blocks Connect's component frames: Stripe.js's set does not name connect-js.stripe.com", async ({ page, app }) => {
    await signInNewSeller(page.context(), app);
    const policy = await serveWithPolicyOf(page, app, SELLER_HOME_ROUTE, '/payment');
    expect(policy).toContain('https://js.stripe.com');
    expect(policy).not.toContain('connect-js.stripe.com');
    const blocked = collectBlockedFrames(page);
    await page.goto(SELLER_HOME_ROUTE);
    await expect.poll(() => blocked.some((url) => url.startsWith('https://connect-js.stripe.com/'))).toBe(true);
    expect(page.frames().filter((frame) => frame.url().startsWith('https://connect-js.stripe.com/'))).toEqual([]);
  });
});
