// Hosted Checkout with 3-D Secure: the challenge opens over Checkout, three frames deep (Stripe's,
// or the emulator's routed from Stripe's origins), after which the customer lands on our success
// page or back on Checkout.
import { readOrderBySession } from './support/database';
import { expect, test } from './support/fixtures';
import { payWithCard, startCheckout } from './support/hosted-checkout';
import { THREE_DS_CARDS, answerChallenge } from './support/stripe-js-flows';

test('hosted, 3-D Secure completed (3155): the success page shows the paid order', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, THREE_DS_CARDS.required);
  await answerChallenge(page, 'complete');
  await page.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
  await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 3155, expires 12/34');
  expect(readOrderBySession(app.databaseFile, checkoutSessionId)).toMatchObject({ status: 'paid', card_last4: '3155' });
});

test('hosted, 3-D Secure failed (3184): back on Checkout with the reason, nothing charged', async ({ page, app, typedCardNumbers }) => {
  const { checkoutSessionId } = await startCheckout(page);
  await payWithCard(page, typedCardNumbers, THREE_DS_CARDS.always);
  await answerChallenge(page, 'fail');
  await page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\//);
  await expect(page.getByText(/unable to authenticate/i).first()).toBeVisible();
  const order = readOrderBySession(app.databaseFile, checkoutSessionId);
  expect(order?.status).toMatch(/^(pending|failed)$/);
  expect(order).toMatchObject({ card_brand: null, card_last4: null });
});
