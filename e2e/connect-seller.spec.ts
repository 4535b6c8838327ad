// The seller page's Connect embedded components in Chromium under the production CSP: Connect.js
// (the emulator's stand-in, routed from connect-js.stripe.com) renders each component the
// Account Session enables in a frame from connect-js.stripe.com, with no CSP violation.
import { expect, test } from './support/fixtures';
import { signInNewSeller } from './support/seller-session';
import { SELLER_HOME_ROUTE } from '../common/api-contract';

test.use({ paysByCard: false });

test("the seller page renders Connect's components in frames from connect-js.stripe.com", async ({ page, app }) => {
  const seller = await signInNewSeller(page.context(), app);
  await page.goto(SELLER_HOME_ROUTE);
  await expect(page.getByTestId('seller-email')).toHaveText(seller.email);
  for (const name of ['notification-banner', 'account-onboarding', 'payments', 'payouts', 'account-management']) {
    await expect(page.getByTestId(`connect-${name}`).locator(`stripe-connect-${name}`)).toHaveCount(1);
  }
  await expect
    .poll(() => page.frames().filter((frame) => frame.url().startsWith('https://connect-js.stripe.com/')).length)
    .toBeGreaterThan(0);
});
