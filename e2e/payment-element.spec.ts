// The Payment Element flow in a real browser under the production CSP of /payment: card fields
// in Stripe's iframe (Stripe's, or the emulator's stand-in routed from js.stripe.com), confirmPayment, and
// the return page that shows what our order says. The watcher in support/fixtures.ts also checks
// every test: no CSP violation, no cross-origin isolation, no typed card number reaching us.
import type { Page } from '@playwright/test';
import type { RunningApp } from './support/app-process';
import { expect, test } from './support/fixtures';
import { CARDS } from './support/hosted-checkout';
import {
  THREE_DS_CARDS,
  answerChallenge,
  chooseFlow,
  fillPaymentElement,
  openPaymentElementCard,
  payWithPaymentElement,
  readNewestOrder,
  readOrderByPaymentIntent,
} from './support/stripe-js-flows';

const PAID_MESSAGE = 'Paid: Visa •••• 4242, expires 12/34';

/** Opens /payment with one item and waits for the card fields; returns the order's PaymentIntent id. */
async function openPaymentPage(page: Page, app: RunningApp): Promise<string> {
  await chooseFlow(page, 'payment-element');
  await openPaymentElementCard(page);
  const order = readNewestOrder(app.databaseFile);
  expect(order).toMatchObject({ status: 'pending', checkout_session_id: null, card_last4: null });
  const paymentIntentId = String(order?.['payment_intent_id'] ?? '');
  expect(paymentIntentId).toMatch(/^pi_/);
  return paymentIntentId;
}

async function expectPaid(page: Page, app: RunningApp, paymentIntentId: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/payment-complete' && url.searchParams.get('payment_intent') === paymentIntentId);
  await expect(page.getByTestId('status-message')).toHaveText(PAID_MESSAGE);
  expect(readOrderByPaymentIntent(app.databaseFile, paymentIntentId)).toMatchObject({
    status: 'paid',
    card_brand: 'visa',
    card_last4: '4242',
    card_exp_month: 12,
    card_exp_year: 2034,
  });
}

function expectNotPaid(app: RunningApp, paymentIntentId: string): void {
  const order = readOrderByPaymentIntent(app.databaseFile, paymentIntentId);
  expect(order?.status).toMatch(/^(pending|failed)$/);
  expect(order).toMatchObject({ card_brand: null, card_last4: null, card_exp_month: null, card_exp_year: null });
}

test('Payment Element: pays with 4242 and the return page shows the card from our order', async ({ page, app, typedCardNumbers }) => {
  const paymentIntentId = await openPaymentPage(page, app);
  await expect(page.getByTestId('pay-button')).toBeDisabled();
  await payWithPaymentElement(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, paymentIntentId);
});

test('Payment Element: a declined card (0002) shows the reason, then 4242 pays the same PaymentIntent', async ({
  page,
  app,
  typedCardNumbers,
}) => {
  const paymentIntentId = await openPaymentPage(page, app);
  await payWithPaymentElement(page, typedCardNumbers, CARDS.genericDecline);
  await expect(page.getByTestId('status-message')).toHaveText(/your card (was|has been) declined/i);
  expect(new URL(page.url()).pathname).toBe('/payment');
  expectNotPaid(app, paymentIntentId);

  await payWithPaymentElement(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, paymentIntentId);
});

test('Payment Element: insufficient funds (9995) shows the reason and leaves the order unpaid', async ({ page, app, typedCardNumbers }) => {
  const paymentIntentId = await openPaymentPage(page, app);
  await payWithPaymentElement(page, typedCardNumbers, CARDS.insufficientFunds);
  await expect(page.getByTestId('status-message')).toHaveText(/insufficient funds/i);
  await expect.poll(() => readOrderByPaymentIntent(app.databaseFile, paymentIntentId)?.status).toBe('failed');
  expectNotPaid(app, paymentIntentId);
});

test('Payment Element: 3-D Secure completed (3155) pays the order', async ({ page, app, typedCardNumbers }) => {
  const paymentIntentId = await openPaymentPage(page, app);
  await payWithPaymentElement(page, typedCardNumbers, THREE_DS_CARDS.required);
  await answerChallenge(page, 'complete');
  await page.waitForURL(/\/payment-complete\?/);
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 3155, expires 12/34');
  expect(readOrderByPaymentIntent(app.databaseFile, paymentIntentId)).toMatchObject({ status: 'paid', card_last4: '3155' });
});

test('Payment Element: 3-D Secure failed (3184) shows why and charges nothing', async ({ page, app, typedCardNumbers }) => {
  const paymentIntentId = await openPaymentPage(page, app);
  await payWithPaymentElement(page, typedCardNumbers, THREE_DS_CARDS.always);
  await answerChallenge(page, 'fail');
  await expect(page.getByTestId('status-message')).toHaveText(/could not verify your card/i);
  expect(new URL(page.url()).pathname).toBe('/payment');
  expectNotPaid(app, paymentIntentId);
});

test('Payment Element: abandoning the page leaves the order pending, and the return page never trusts the URL', async ({
  page,
  app,
  typedCardNumbers,
}) => {
  const paymentIntentId = await openPaymentPage(page, app);
  // The shopper types a card, changes their mind and leaves without paying.
  await fillPaymentElement(page, typedCardNumbers, CARDS.visa);
  await page.getByTestId('back-to-shop').click();
  await page.waitForURL((url) => url.pathname === '/');
  expect(readOrderByPaymentIntent(app.databaseFile, paymentIntentId)?.status).toBe('pending');

  // A forged "succeeded" redirect shows what our order says, not what the URL claims.
  await page.goto(`/payment-complete?payment_intent=${paymentIntentId}&redirect_status=succeeded`);
  await expect(page.getByTestId('status-message')).not.toHaveText(/^Paid/, { timeout: 3_000 });
  await expect(page.getByTestId('status-message')).toHaveText(/being confirmed|Confirming/);
  expect(readOrderByPaymentIntent(app.databaseFile, paymentIntentId)?.status).toBe('pending');
});
