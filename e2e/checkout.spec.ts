// The whole purchase path in a real browser under the production CSP. Every test is also
// checked by the watcher in support/fixtures.ts: no CSP violation, no cross-origin isolation,
// no typed card number in any request to our server, in the database files or in the logs.
import { ALLOWED_CARD_COLUMNS, listCardLikeColumns, readOrderBySession, readProcessedEvents } from './support/database';
import { CARDS, fillCard, payWithCard, startCheckout } from './support/hosted-checkout';
import { expect, test } from './support/fixtures';
import { measureLog, readLogEntries } from './support/server-log';
import { createStripeClient, waitForCompletedEvent } from './support/stripe-api';
import type { RunningApp } from './support/app-process';
import type { Page } from '@playwright/test';
import { formatAmount } from '../common/currency';
import { loadActiveCatalog } from '../test-support/catalog';

/** What the app under test sells (support/app-process.ts passes it the same CATALOG_FILE). */
const catalog = loadActiveCatalog();

// The "stripe-test-mode" project skips these (with a message) when its keys are not set;
// see the `app` fixture in support/fixtures.ts.

const PAID_MESSAGE = 'Paid: Visa •••• 4242, expires 12/34';

async function expectPaid(page: Page, app: RunningApp, checkoutSessionId: string): Promise<void> {
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText(PAID_MESSAGE);

  const order = readOrderBySession(app.databaseFile, checkoutSessionId);
  expect(order).toMatchObject({
    status: 'paid',
    currency: catalog.currency,
    card_brand: 'visa',
    card_last4: '4242',
    card_exp_month: 12,
    card_exp_year: 2034,
  });
  expect(listCardLikeColumns(app.databaseFile)).toEqual([...ALLOWED_CARD_COLUMNS]);
}

function expectNotPaid(app: RunningApp, checkoutSessionId: string): void {
  const order = readOrderBySession(app.databaseFile, checkoutSessionId);
  expect(order?.status).toMatch(/^(pending|failed)$/);
  expect(order).toMatchObject({ card_brand: null, card_last4: null, card_exp_month: null, card_exp_year: null });
}

test('pays with 4242 and the success page shows the card', async ({ page, app, typedCardNumbers }) => {
  expect(await (await page.request.get('/api/products')).json()).toEqual({ currency: catalog.currency, products: catalog.products });

  await test.step('prices show the catalog amounts in minor units, unscaled, in the catalog currency', async () => {
    await page.goto('/');
    const locale = await page.evaluate(() => navigator.language);
    await expect(page.getByTestId('product-price')).toHaveText(
      catalog.products.map((p) => formatAmount(p.unitAmount, catalog.currency, locale)),
    );
  });

  await test.step('keyboard: skip link first, checkout right after the last product', async () => {
    await page.goto('/');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('link', { name: 'Skip to products' })).toBeFocused();
    await page
      .getByTestId('product-card')
      .last()
      .getByRole('button', { name: /^Add one / })
      .focus();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('checkout-button')).toBeFocused();
  });

  const { checkoutSessionId, productId } = await startCheckout(page, 2);

  const pending = readOrderBySession(app.databaseFile, checkoutSessionId);
  expect(pending).toMatchObject({ status: 'pending', card_last4: null });

  await payWithCard(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, checkoutSessionId);

  const product = catalog.products.find((p) => p.id === productId);
  expect(product).toBeDefined();
  const total = 2 * (product?.unitAmount ?? NaN);
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)?.amount).toBe(total);
  const locale = await page.evaluate(() => navigator.language);
  await expect(page.getByTestId('order-amount')).toHaveText(formatAmount(total, catalog.currency, locale));
});

test('a declined card (0002) can be retried with 4242', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);

  await payWithCard(page, typedCardNumbers, CARDS.genericDecline);
  await expect(page.getByText(/your card (was|has been) declined/i).first()).toBeVisible();
  expect(page.url()).toContain(checkoutSessionId);
  expectNotPaid(app, checkoutSessionId);

  await payWithCard(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, checkoutSessionId);
});

test('insufficient funds (9995) shows the reason and leaves the order unpaid', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);

  await payWithCard(page, typedCardNumbers, CARDS.insufficientFunds);
  await expect(page.getByText(/insufficient funds/i).first()).toBeVisible();
  expect(page.url()).toContain(checkoutSessionId);
  expectNotPaid(app, checkoutSessionId);
});

test('cancelling on the hosted page returns to the cancel page, order unpaid', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);

  // A shopper who typed a card and then changed their mind.
  await fillCard(page, typedCardNumbers, CARDS.visa);
  await page.getByRole('link', { name: /back/i }).first().click();

  await page.waitForURL(new RegExp(`^${app.baseURL}/cancel`));
  await expect(page.getByTestId('status-message')).toContainText('No payment was taken');
  await expect(page.getByTestId('back-to-shop')).toBeVisible();
  expectNotPaid(app, checkoutSessionId);
});

test('a replayed webhook delivery leaves the order unchanged', async ({ page, app, typedCardNumbers, request }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, CARDS.visa);
  await expectPaid(page, app, checkoutSessionId);

  const stripe = createStripeClient(app);
  const event = await waitForCompletedEvent(stripe, checkoutSessionId);
  expect(readProcessedEvents(app.databaseFile).map((e) => e.event_id)).toContain(event.id);

  const orderBefore = readOrderBySession(app.databaseFile, checkoutSessionId);
  const eventsBefore = readProcessedEvents(app.databaseFile);

  // The same delivery again: same payload, a fresh signature from the app's own secret.
  const payload = JSON.stringify(event, null, 2);
  const deliver = (secret: string) =>
    request.post('/webhooks/stripe', {
      data: payload,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }),
      },
    });

  const forged = await deliver('whsec_not_the_apps_secret_000000');
  expect(forged.status(), 'a forged signature is refused').toBe(400);

  const logBefore = await measureLog(app.logFile);
  const replayed = await deliver(app.webhookSecret);
  expect(replayed.status(), await replayed.text()).toBe(200);
  // Acknowledged as a duplicate, not processed a second time (an idempotent fulfilment alone
  // would also leave the row unchanged, so the row comparison below cannot prove this).
  await expect
    .poll(async () =>
      (await readLogEntries(app.logFile, logBefore)).filter((entry) => entry.eventId === event.id).map((entry) => entry.result),
    )
    .toEqual(['duplicate']);

  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toEqual(orderBefore);
  expect(readProcessedEvents(app.databaseFile)).toEqual(eventsBefore);
});
