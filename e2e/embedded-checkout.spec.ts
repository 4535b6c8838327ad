// Embedded Checkout in a real browser under the production CSP of /embedded-checkout: Stripe's
// form in an iframe from checkout.stripe.com (Stripe's, or the emulator routed), mounted by Stripe.js, then
// the /return page that shows what our order says. The watcher in support/fixtures.ts also checks
// every test: no CSP violation, no cross-origin isolation, no typed card number reaching us.
import type { Page } from '@playwright/test';
import type { RunningApp } from './support/app-process';
import { readOrderBySession } from './support/database';
import { expect, test } from './support/fixtures';
import { CARDS, fillCard } from './support/hosted-checkout';
import {
  THREE_DS_CARDS,
  answerChallenge,
  chooseFlow,
  embeddedCheckoutFrame,
  embeddedSessionId,
  payInEmbeddedCheckout,
} from './support/stripe-js-flows';

async function openEmbeddedCheckout(page: Page, app: RunningApp, quantity = 1): Promise<string> {
  await chooseFlow(page, 'embedded', quantity);
  const sessionId = await embeddedSessionId(page);
  expect(sessionId).toMatch(/^cs_test_/);
  expect(readOrderBySession(app.databaseFile, sessionId)).toMatchObject({ status: 'pending', card_last4: null });
  return sessionId;
}

async function expectPaid(page: Page, app: RunningApp, sessionId: string, last4 = '4242'): Promise<void> {
  await page.waitForURL(`${app.baseURL}/return?session_id=${sessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText(`Paid: Visa •••• ${last4}, expires 12/34`);
  expect(readOrderBySession(app.databaseFile, sessionId)).toMatchObject({
    status: 'paid',
    card_brand: 'visa',
    card_last4: last4,
    card_exp_month: 12,
    card_exp_year: 2034,
  });
}

function expectNotPaid(app: RunningApp, sessionId: string): void {
  const order = readOrderBySession(app.databaseFile, sessionId);
  expect(order?.status).toMatch(/^(pending|failed)$/);
  expect(order).toMatchObject({ card_brand: null, card_last4: null, card_exp_month: null, card_exp_year: null });
}

test('Embedded Checkout: pays with 4242 and /return shows the card from our order', async ({ page, app, typedCardNumbers }) => {
  const sessionId = await openEmbeddedCheckout(page, app, 2);
  await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, sessionId);
});

test('Embedded Checkout: a declined card (0002) can be retried with 4242', async ({ page, app, typedCardNumbers }) => {
  const sessionId = await openEmbeddedCheckout(page, app);
  await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.genericDecline);
  await expect(
    embeddedCheckoutFrame(page)
      .getByText(/your card (was|has been) declined/i)
      .first(),
  ).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/embedded-checkout');
  expectNotPaid(app, sessionId);

  await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, sessionId);
});

test('Embedded Checkout: insufficient funds (9995) shows the reason and leaves the order unpaid', async ({
  page,
  app,
  typedCardNumbers,
}) => {
  const sessionId = await openEmbeddedCheckout(page, app);
  await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.insufficientFunds);
  await expect(
    embeddedCheckoutFrame(page)
      .getByText(/insufficient funds/i)
      .first(),
  ).toBeVisible();
  await expect.poll(() => readOrderBySession(app.databaseFile, sessionId)?.status).toBe('failed');
  expectNotPaid(app, sessionId);
});

test('Embedded Checkout: 3-D Secure completed (3155) pays the order', async ({ page, app, typedCardNumbers }) => {
  const sessionId = await openEmbeddedCheckout(page, app);
  await payInEmbeddedCheckout(page, typedCardNumbers, THREE_DS_CARDS.required);
  await answerChallenge(page, 'complete');
  await expectPaid(page, app, sessionId, '3155');
});

test('Embedded Checkout: 3-D Secure failed (3184) shows why and charges nothing', async ({ page, app, typedCardNumbers }) => {
  const sessionId = await openEmbeddedCheckout(page, app);
  await payInEmbeddedCheckout(page, typedCardNumbers, THREE_DS_CARDS.always);
  await answerChallenge(page, 'fail');
  await expect(
    embeddedCheckoutFrame(page)
      .getByText(/unable to authenticate/i)
      .first(),
  ).toBeVisible();
  expect(new URL(page.url()).pathname).toBe('/embedded-checkout');
  expectNotPaid(app, sessionId);
});

test('Embedded Checkout: abandoning the page leaves the order pending, and /return never trusts the URL', async ({
  page,
  app,
  typedCardNumbers,
}) => {
  const sessionId = await openEmbeddedCheckout(page, app);
  await fillCard(embeddedCheckoutFrame(page), typedCardNumbers, CARDS.visa);
  // The shopper leaves for another page without paying.
  await page.goto('/');
  expect(readOrderBySession(app.databaseFile, sessionId)?.status).toBe('pending');

  await page.goto(`/return?session_id=${sessionId}&redirect_status=succeeded`);
  await expect(page.getByTestId('status-message')).not.toHaveText(/^Paid/, { timeout: 3_000 });
  expect(readOrderBySession(app.databaseFile, sessionId)?.status).toBe('pending');
});
