// What happens after the card form: delayed payments, expiry, refunds and disputes, driven from
// the emulator's dashboard (its stand-in for Stripe's Dashboard), and shown on the return pages
// from our order. The watcher in support/fixtures.ts checks every test as in the other specs.
import type { Page } from '@playwright/test';
import type { RunningApp } from './support/app-process';
import { readOrderBySession } from './support/database';
import { expect, test } from './support/fixtures';
import { CARDS, fillCard, payWithCard, startCheckout } from './support/hosted-checkout';
import { chooseFlow, paymentElementFrame, payWithPaymentElement, pressDashboardButton, readNewestOrder } from './support/stripe-js-flows';

// Selectors and buttons here are the emulator's (its Stripe.js stand-in, challenge page and
// dashboard); against real Stripe test mode these scenarios need Stripe's own pages.
test.skip(
  ({ stripeMode }) => stripeMode !== 'emulated',
  "Drives the emulator's Stripe.js stand-in, 3-D Secure page and dashboard; emulated project only.",
);

function emulatorOf(app: RunningApp): string {
  expect(app.emulatorOrigin, 'these tests drive the emulator dashboard').not.toBeNull();
  return app.emulatorOrigin ?? '';
}

/** Pays on hosted Checkout as the emulator's delayed-payment path (an email ending in +delayed). */
async function payDelayed(page: Page, typedCardNumbers: Set<string>): Promise<void> {
  await fillCard(page, typedCardNumbers, CARDS.visa);
  await page.locator('#email').fill('shopper+delayed@example.com');
  await page.locator('[data-testid="hosted-payment-submit-button"]').click();
}

test('hosted, delayed payment: pending until the funds arrive, then paid', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payDelayed(page, typedCardNumbers);
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText(/Confirming your payment/);
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ status: 'pending', card_last4: null });

  await pressDashboardButton(page, emulatorOf(app), checkoutSessionId, 'Payment succeeds');
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ status: 'paid', card_last4: '4242' });
});

test('hosted, delayed payment: the debit fails, the order fails and the page says so', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payDelayed(page, typedCardNumbers);
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await pressDashboardButton(page, emulatorOf(app), checkoutSessionId, 'Payment fails');
  await expect(page.getByTestId('status-message')).toHaveText(/did not go through and nothing was charged/);
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ status: 'failed', card_last4: null });
});

test('hosted, expiry: "Expire now" expires the order and the Checkout page closes', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await fillCard(page, typedCardNumbers, CARDS.visa);
  await pressDashboardButton(page, emulatorOf(app), checkoutSessionId, 'Expire now');
  await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('expired');
  await page.reload();
  await expect(page.locator('[data-testid="hosted-payment-submit-button"]')).toHaveCount(0);
  await page.goto(`/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText(/expired before it was paid/);
});

test('hosted, refund from the dashboard: the paid order becomes refunded', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, CARDS.visa);
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
  const paymentIntentId = String(readOrderBySession(app.databaseFile, checkoutSessionId)?.['payment_intent_id'] ?? '');
  expect(paymentIntentId).toMatch(/^pi_/);

  await pressDashboardButton(page, emulatorOf(app), paymentIntentId, 'Refund');
  await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('refunded');
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ card_brand: 'visa', card_last4: '4242' });
  await page.reload();
  await expect(page.getByTestId('status-message')).toHaveText(/refunded/);
});

test('Payment Element, dispute from the dashboard: the paid order becomes disputed', async ({ page, app, typedCardNumbers }) => {
  await chooseFlow(page, 'payment-element');
  await expect(paymentElementFrame(page).locator('#number')).toBeVisible();
  const paymentIntentId = String(readNewestOrder(app.databaseFile)?.['payment_intent_id'] ?? '');
  await payWithPaymentElement(page, typedCardNumbers, CARDS.visa);
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');

  await pressDashboardButton(page, emulatorOf(app), paymentIntentId, 'Dispute');
  await expect.poll(() => readNewestOrder(app.databaseFile)?.status).toBe('disputed');
  await page.reload();
  await expect(page.getByTestId('status-message')).toHaveText(/disputed/);
});

test('Payment Element, the dispute test card (0259): paid, then disputed', async ({ page, app, typedCardNumbers }) => {
  await chooseFlow(page, 'payment-element');
  await payWithPaymentElement(page, typedCardNumbers, '4000 0000 0000 0259');
  await page.waitForURL(/\/payment-complete\?/);
  await expect.poll(() => readNewestOrder(app.databaseFile)?.status).toBe('disputed');
  expect(readNewestOrder(app.databaseFile)).toMatchObject({ card_brand: 'visa', card_last4: '0259' });
});
