// Driving the embedded Checkout and Payment Element pages like a shopper would. The card
// fields live in Stripe's iframes (Stripe's own in the stripe-test-mode project, the
// emulator's stand-ins with the same structure in the emulated one); our page never sees them.
import type { Frame, FrameLocator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect } from './fixtures';
import { EXPIRY, payWithCard } from './hosted-checkout';
import type { OrderRow } from './database';

export const THREE_DS_CARDS = {
  /** Requires authentication (3-D Secure 2). */
  required: '4000 0025 0000 3155',
  /** Always requires authentication. */
  always: '4000 0027 6000 3184',
} as const;

/** Puts `quantity` of the first product in the basket and picks one of the on-site flows. */
export async function chooseFlow(page: Page, flow: 'embedded' | 'payment-element', quantity = 1): Promise<void> {
  await page.goto('/');
  const card = page.getByTestId('product-card').first();
  await expect(card).toBeVisible();
  for (let i = 0; i < quantity; i++) await card.getByRole('button', { name: /^Add one / }).click();
  await expect(page.getByTestId('basket-count')).toHaveText(String(quantity));
  await page.getByTestId(flow === 'embedded' ? 'embedded-checkout-button' : 'payment-element-button').click();
  await page.waitForURL(flow === 'embedded' ? /\/embedded-checkout$/ : /\/payment$/);
}

/**
 * Embedded Checkout's frame, by the title Stripe.js gives it (attribute values are
 * case-sensitive: "Embedded checkout"); its name is `embedded-checkout`.
 */
export function embeddedCheckoutFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="Embedded checkout"]');
}

/**
 * The Payment Element's card frame. Stripe first shows a same-titled frame that goes away, so
 * the `src` picks the right one, as in stripe-samples/accept-a-payment
 * spec/payment_element_e2e_spec.rb.
 */
export function paymentElementFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="Secure payment input frame"][src*="elements-inner-payment"]');
}

/** The Checkout Session id from the embedded frame's address, once its form is there. */
export async function embeddedSessionId(page: Page): Promise<string> {
  await expect(embeddedCheckoutFrame(page).locator('#email')).toBeVisible();
  const frame = page.frames().find((f) => f.name() === 'embedded-checkout');
  return /\/c\/embedded\/(cs_[A-Za-z0-9_]+)/.exec(frame?.url() ?? '')?.[1] ?? '';
}

export async function payInEmbeddedCheckout(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  await payWithCard(embeddedCheckoutFrame(page), typedCardNumbers, cardNumber);
}

/** Waits for the Payment Element, then opens its card tab when it has tabs (Stripe's `[data-testid="card"]`). */
export async function openPaymentElementCard(page: Page): Promise<FrameLocator> {
  const frame = paymentElementFrame(page);
  const tab = frame.locator('[data-testid="card"]');
  const number = frame.locator('input[name="number"]');
  await expect(tab.or(number).first()).toBeVisible();
  if (!(await number.isVisible())) await tab.click();
  await expect(number).toBeVisible();
  return frame;
}

/** Fills the Payment Element's card fields, found by name as Stripe's ids change between versions. */
export async function fillPaymentElement(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  typedCardNumbers.add(cardNumber);
  const frame = await openPaymentElementCard(page);
  await frame.locator('input[name="number"]').fill(cardNumber);
  await frame.locator('input[name="expiry"]').fill(EXPIRY);
  await frame.locator('input[name="cvc"]').fill('123');
  const country = frame.locator('select[name="country"]');
  if (await country.isVisible()) await country.selectOption('US');
  const postalCode = frame.locator('input[name="postalCode"]');
  if (await postalCode.isVisible()) await postalCode.fill('10001');
}

export async function payWithPaymentElement(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  await fillPaymentElement(page, typedCardNumbers, cardNumber);
  await expect(page.getByTestId('pay-button')).toBeEnabled();
  await page.getByTestId('pay-button').click();
}

/**
 * Answers the 3-D Secure challenge on Stripe's test page, wherever the flow shows it: three
 * frames deep (`__privateStripeFrame…` > `__stripeJSChallengeFrame` > `acsFrame`, as public
 * suites walk Stripe's), on the page or inside embedded Checkout's frame.
 */
export async function answerChallenge(page: Page, outcome: 'complete' | 'fail'): Promise<void> {
  const isAcsFrame = (frame: Frame) =>
    frame.name() === 'acsFrame' &&
    frame.parentFrame()?.name() === '__stripeJSChallengeFrame' &&
    (frame.parentFrame()?.parentFrame()?.name() ?? '').startsWith('__privateStripeFrame');
  await expect.poll(() => page.frames().some(isAcsFrame), { message: 'the 3-D Secure challenge, three frames deep' }).toBe(true);
  const acs = page.frames().find(isAcsFrame);
  await acs?.locator(outcome === 'complete' ? '#test-source-authorize-3ds' : '#test-source-fail-3ds').click();
}

/** The newest order (the one the page just created), read-only from the app's database. */
export function readNewestOrder(file: string): OrderRow | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], OrderRow>('SELECT * FROM orders ORDER BY created_at DESC, rowid DESC LIMIT 1').get();
  } finally {
    db.close();
  }
}

export function readOrderByPaymentIntent(file: string, paymentIntentId: string): OrderRow | undefined {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE payment_intent_id = ?').get(paymentIntentId);
  } finally {
    db.close();
  }
}

/**
 * Presses a button on the emulator's dashboard (its stand-in for the Stripe Dashboard), in a
 * second tab, in the row that names `objectId`, as a person would.
 */
export async function pressDashboardButton(page: Page, emulatorOrigin: string, objectId: string, button: string): Promise<void> {
  const dashboard = await page.context().newPage();
  try {
    await dashboard.goto(`${emulatorOrigin}/`);
    const row = dashboard.locator('tr', { hasText: objectId });
    await expect(row.getByRole('button', { name: button })).toHaveCount(1);
    const [response] = await Promise.all([
      dashboard.waitForResponse((r) => r.request().method() === 'POST' && r.url().startsWith(`${emulatorOrigin}/dashboard/`)),
      row.getByRole('button', { name: button }).click(),
    ]);
    expect(response.status(), `dashboard "${button}" answered ${response.status()}`).toBe(303);
    // Let the redirect back to the dashboard finish before the tab closes: a tab closed
    // mid-navigation can linger in Chromium and stall the next navigation of the test's page.
    await dashboard.waitForURL(`${emulatorOrigin}/`, { waitUntil: 'load' });
  } finally {
    await dashboard.close();
  }
}
