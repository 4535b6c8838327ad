// Driving the embedded Checkout and Payment Element pages like a shopper would. The card
// fields live in Stripe's iframes (the emulator's stand-ins, reached through Stripe's
// origins); our page never sees them.
import type { FrameLocator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect } from './fixtures';
import { EXPIRY } from './hosted-checkout';
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

export function embeddedCheckoutFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="Embedded Checkout"]');
}

export function paymentElementFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="Secure payment input frame"]');
}

/** The Checkout Session id from the embedded frame's address. */
export async function embeddedSessionId(page: Page): Promise<string> {
  await expect(embeddedCheckoutFrame(page).locator('#cardNumber')).toBeVisible();
  const frame = page.frames().find((f) => f.url().includes('/c/embedded/cs_'));
  return /\/c\/embedded\/(cs_[A-Za-z0-9_]+)/.exec(frame?.url() ?? '')?.[1] ?? '';
}

export async function payInEmbeddedCheckout(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  typedCardNumbers.add(cardNumber);
  const frame = embeddedCheckoutFrame(page);
  const email = frame.locator('#email');
  if (await email.isEditable()) await email.fill('shopper@example.com');
  await frame.locator('#cardNumber').fill(cardNumber);
  await frame.locator('#cardExpiry').fill(EXPIRY);
  await frame.locator('#cardCvc').fill('123');
  await frame.locator('#billingName').fill('Ada Lovelace');
  const postalCode = frame.locator('#billingPostalCode');
  if (await postalCode.isVisible()) await postalCode.fill('10001');
  await frame.locator('[data-testid="hosted-payment-submit-button"]').click();
}

export async function payWithPaymentElement(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  typedCardNumbers.add(cardNumber);
  const frame = paymentElementFrame(page);
  await frame.locator('#number').fill(cardNumber);
  await frame.locator('#expiry').fill(EXPIRY);
  await frame.locator('#cvc').fill('123');
  await frame.locator('#postalCode').fill('10001');
  await expect(page.getByTestId('pay-button')).toBeEnabled();
  await page.getByTestId('pay-button').click();
}

/** Answers the 3-D Secure challenge (a modal frame, or the page itself, on hooks.stripe.com). */
export async function answerChallenge(page: Page, frame: FrameLocator, outcome: 'complete' | 'fail'): Promise<void> {
  await frame.locator(outcome === 'complete' ? '#test-source-authorize-3ds' : '#test-source-fail-3ds').click();
}

export function challengeFrameForPaymentElement(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="3DS authentication challenge"]');
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
