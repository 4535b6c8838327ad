// Driving the shop and the hosted Checkout page like a shopper would.
// The hosted page's selectors are Stripe's own (the emulator serves the same ones):
// #email, #cardNumber, #cardExpiry, #cardCvc, #billingName, the submit button's data-testid.
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

export const CARDS = {
  visa: '4242 4242 4242 4242',
  genericDecline: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
} as const;

/** What every card in these tests is typed with; the success page must show it as 12/34. */
export const EXPIRY = '12 / 34';

const HOSTED_CHECKOUT_URL = /^https:\/\/checkout\.stripe\.com\/c\/pay\/(cs_[A-Za-z0-9_]+)/;

export interface StartedCheckout {
  checkoutSessionId: string;
  productId: string;
  quantity: number;
}

/**
 * Opens the shop, puts `quantity` of the first product in the basket with the keyboard, and
 * checks out. Resolves on the hosted Checkout page.
 */
export async function startCheckout(page: Page, quantity = 1): Promise<StartedCheckout> {
  await page.goto('/');
  const card = page.getByTestId('product-card').first();
  await expect(card).toBeVisible();
  const productId = (await card.getAttribute('data-product-id')) ?? '';
  expect(productId).not.toBe('');

  const addOne = card.getByRole('button', { name: /^Add one / });
  await addOne.focus();
  for (let i = 0; i < quantity; i++) await page.keyboard.press('Enter');
  await expect(card.getByTestId('quantity-input')).toHaveValue(String(quantity));
  await expect(page.getByTestId('basket-count')).toHaveText(String(quantity));

  await page.getByTestId('checkout-button').focus();
  await page.keyboard.press('Enter');
  // Either Checkout opens or the shop shows why not; a failure then reports the shop's message.
  const status = page.getByTestId('status-message');
  await expect
    .poll(
      async () =>
        HOSTED_CHECKOUT_URL.test(page.url())
          ? 'on hosted Checkout'
          : `shop says: ${await status.textContent({ timeout: 500 }).catch(() => '(leaving the page)')}`,
      {
        timeout: 20_000,
      },
    )
    .toBe('on hosted Checkout');
  await page.waitForURL(HOSTED_CHECKOUT_URL);
  const checkoutSessionId = HOSTED_CHECKOUT_URL.exec(page.url())?.[1] ?? '';
  return { checkoutSessionId, productId, quantity };
}

/** Fills the hosted card form; records the number so the test's watcher hunts for it. */
export async function fillCard(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  typedCardNumbers.add(cardNumber);
  // Real Checkout shows an accordion when several payment methods are offered.
  const cardMethod = page.locator('[data-testid="card-accordion-item-button"]');
  if (await cardMethod.isVisible()) await cardMethod.click();

  const email = page.locator('#email');
  if ((await email.isVisible()) && (await email.isEditable())) await email.fill('shopper@example.com');
  await page.locator('#cardNumber').fill(cardNumber);
  await page.locator('#cardExpiry').fill(EXPIRY);
  await page.locator('#cardCvc').fill('123');
  await page.locator('#billingName').fill('Ada Lovelace');
  const postalCode = page.locator('#billingPostalCode');
  if (await postalCode.isVisible()) await postalCode.fill('10001');
}

export async function payWithCard(page: Page, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  await fillCard(page, typedCardNumbers, cardNumber);
  await page.locator('[data-testid="hosted-payment-submit-button"]').click();
}
