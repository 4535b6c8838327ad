// Driving the shop and Checkout's card form (hosted page, or embedded Checkout's frame) like a
// shopper would. The selectors are Stripe's own (the emulator serves the same structure):
// #email, the card accordion item, #cardNumber, #cardExpiry, #cardCvc, #billingName, the submit
// button's data-testid. One set for both Playwright projects (emulated and stripe-test-mode).
import type { FrameLocator, Page } from '@playwright/test';
import { expect } from './fixtures';

export const CARDS = {
  visa: '4242 4242 4242 4242',
  genericDecline: '4000 0000 0000 0002',
  insufficientFunds: '4000 0000 0000 9995',
  /** Pays, then Stripe opens a dispute (https://docs.stripe.com/testing#disputes). */
  dispute: '4000 0000 0000 0259',
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
 * Opens the shop, puts `quantity` of the first product (or of `productId`) in the basket with
 * the keyboard, and checks out. Resolves on the hosted Checkout page.
 */
export async function startCheckout(page: Page, quantity = 1, productId?: string): Promise<StartedCheckout> {
  await page.goto('/');
  const cards = page.getByTestId('product-card');
  const card = productId === undefined ? cards.first() : cards.and(page.locator(`[data-product-id="${productId}"]`));
  await expect(card).toBeVisible();
  const chosen = (await card.getAttribute('data-product-id')) ?? '';
  expect(chosen).not.toBe('');

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
  return { checkoutSessionId, productId: chosen, quantity };
}

/** Where Checkout's form is: the hosted page itself, or embedded Checkout's frame. */
export type CheckoutScope = Page | FrameLocator;

/**
 * Fills Checkout's card form (hosted page or embedded frame) by Stripe's own ids, and records
 * the number so the test's watcher hunts for it. Stripe shows the card fields in an accordion
 * item when several payment methods are offered; its button is 0×0, so the item is clicked, as
 * stripe-samples/accept-a-payment spec/prebuilt_checkout_page_e2e_spec.rb does. Optional parts
 * (a read-only email, a country select, Link's opt-in) are handled when they are there.
 */
export async function fillCard(scope: CheckoutScope, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  typedCardNumbers.add(cardNumber);
  const email = scope.locator('#email');
  await expect(email).toBeVisible();
  if (await email.isEditable()) await email.fill('shopper@example.com');
  const number = scope.locator('#cardNumber');
  if (!(await number.isVisible())) await scope.locator('[data-testid="card-accordion-item"]').click();
  await number.fill(cardNumber);
  await scope.locator('#cardExpiry').fill(EXPIRY);
  await scope.locator('#cardCvc').fill('123');
  await scope.locator('#billingName').fill('Ada Lovelace');
  const country = scope.locator('#billingCountry');
  if (await country.isVisible()) await country.selectOption('US');
  const postalCode = scope.locator('#billingPostalCode');
  if (await postalCode.isVisible()) await postalCode.fill('10001');
  // Link's "save my information" would ask for a phone number before Pay.
  const link = scope.locator('#enableStripePass');
  if ((await link.count()) > 0 && (await link.isChecked())) await link.setChecked(false, { force: true });
}

export async function submitCheckout(scope: CheckoutScope): Promise<void> {
  await scope.locator('[data-testid="hosted-payment-submit-button"]').click();
}

export async function payWithCard(scope: CheckoutScope, typedCardNumbers: Set<string>, cardNumber: string): Promise<void> {
  await fillCard(scope, typedCardNumbers, cardNumber);
  await submitCheckout(scope);
}
