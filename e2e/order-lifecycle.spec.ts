// What happens after the card form: expiry and refunds through Stripe's API, disputes from the
// dispute test card (all in both projects), and delayed payments from the emulator's dashboard
// (its stand-in for Stripe's Dashboard; emulated project only), shown on the return pages from
// our order. The watcher in support/fixtures.ts checks every test as in the other specs.
import type { Page } from '@playwright/test';
import type { RunningApp } from './support/app-process';
import { readOrderBySession } from './support/database';
import { emulatorOnly } from '../test-support/emulator-only';
import { expect, test } from './support/fixtures';
import { CARDS, fillCard, payWithCard, startCheckout, submitCheckout } from './support/hosted-checkout';
import { createStripeClient } from './support/stripe-api';
import { chooseFlow, payWithPaymentElement, pressDashboardButton, readNewestOrder } from './support/stripe-js-flows';

/**
 * Card payments on Stripe succeed or fail at once; a payment that stays pending until the funds
 * arrive needs a bank debit (e.g. SEPA or ACH) and Stripe's own timing, which these tests cannot
 * wait for. The emulator's `+delayed` email and its dashboard stand in for that.
 */
const DELAYED_PAYMENT =
  'Needs the emulator\'s delayed card payment (a +delayed email) and its dashboard\'s "Payment succeeds" / "Payment fails" buttons; ' +
  'on Stripe this would need a bank-debit payment method (SEPA/ACH test account numbers) and waiting for Stripe to settle it.';

function emulatorOf(app: RunningApp): string {
  expect(app.emulatorOrigin, 'these tests drive the emulator dashboard').not.toBeNull();
  return app.emulatorOrigin ?? '';
}

/** Pays on hosted Checkout as the emulator's delayed-payment path (an email ending in +delayed). */
async function payDelayed(page: Page, typedCardNumbers: Set<string>): Promise<void> {
  await fillCard(page, typedCardNumbers, CARDS.visa);
  await page.locator('#email').fill('shopper+delayed@example.com');
  await submitCheckout(page);
}

test.describe('delayed payments', emulatorOnly(DELAYED_PAYMENT), () => {
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
});

test('hosted, expiry through the API: the order expires and the Checkout page closes', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await fillCard(page, typedCardNumbers, CARDS.visa);
  // https://docs.stripe.com/api/checkout/sessions/expire: what a shop calls to close a session early.
  await createStripeClient(app).checkout.sessions.expire(checkoutSessionId);
  await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('expired');
  await page.reload();
  await expect(page.locator('[data-testid="hosted-payment-submit-button"]')).toHaveCount(0);
  await page.goto(`/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText(/expired before it was paid/);
});

test('hosted, refund through the API: the paid order becomes refunded', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, CARDS.visa);
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
  const paymentIntentId = String(readOrderBySession(app.databaseFile, checkoutSessionId)?.['payment_intent_id'] ?? '');
  expect(paymentIntentId).toMatch(/^pi_/);

  // https://docs.stripe.com/api/refunds/create: a full refund, as the Dashboard's button makes one.
  await createStripeClient(app).refunds.create({ payment_intent: paymentIntentId });
  await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('refunded');
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ card_brand: 'visa', card_last4: '4242' });
  await page.reload();
  await expect(page.getByTestId('status-message')).toHaveText(/refunded/);
});

// Disputes come from Stripe's dispute test card, in both projects:
// https://docs.stripe.com/testing#disputes
test('hosted, the dispute test card (0259): paid, then disputed', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, CARDS.dispute);
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('disputed');
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ card_brand: 'visa', card_last4: '0259' });
  await page.reload();
  await expect(page.getByTestId('status-message')).toHaveText(/disputed/);
});

test('Payment Element, the dispute test card (0259): paid, then disputed', async ({ page, app, typedCardNumbers }) => {
  await chooseFlow(page, 'payment-element');
  await payWithPaymentElement(page, typedCardNumbers, CARDS.dispute);
  await page.waitForURL(/\/payment-complete\?/);
  await expect.poll(() => readNewestOrder(app.databaseFile)?.status).toBe('disputed');
  expect(readNewestOrder(app.databaseFile)).toMatchObject({ card_brand: 'visa', card_last4: '0259' });
});
