// `npm start` as a workshop runs it: emulated mode with EMULATOR_ORIGINS=local. Nothing is
// routed (the fixtures refuse Stripe's origins, as offline): the CSP of the Stripe.js and Connect
// pages names the emulator's origin instead of Stripe's, and the client inserts the emulator's
// Stripe.js or Connect.js stand-in (named by GET /api/config) from its nonce'd module, which
// 'strict-dynamic' trusts. The watcher checks zero CSP violations as everywhere.
import { emulatorOnly } from '../test-support/emulator-only';
import { expect, test } from './support/fixtures';
import { onboardOnEmulatorOrigin } from './support/seller-page-on-emulator';
import { CARDS } from './support/hosted-checkout';
import {
  chooseFlow,
  embeddedCheckoutFrame,
  openPaymentElementCard,
  payInEmbeddedCheckout,
  payWithPaymentElement,
} from './support/stripe-js-flows';

test.use({ emulatorOrigins: 'local' });

test.describe(
  'EMULATOR_ORIGINS=local',
  emulatorOnly('EMULATOR_ORIGINS only exists in emulated mode: on Stripe, Stripe.js and Checkout always come from Stripe.'),
  () => {
    test('local origins: the Payment Element page loads the stand-in from the emulator and pays', async ({
      page,
      app,
      typedCardNumbers,
    }) => {
      const emulator = app.emulatorOrigin ?? '';
      const config = (await (await page.request.get('/api/config')).json()) as { stripeJsUrl: string | null };
      expect(config.stripeJsUrl).toBe(`${emulator}/endive/stripe.js`);
      const csp = (await page.request.get('/payment')).headers()['content-security-policy'] ?? '';
      expect(csp).toContain(`frame-src ${emulator};`);
      expect(csp).toContain(`connect-src 'self' ${emulator};`);
      expect(csp).not.toContain('stripe.com');

      const scripts: string[] = [];
      page.on('request', (request) => {
        if (request.resourceType() === 'script') scripts.push(request.url());
      });
      await chooseFlow(page, 'payment-element');
      await openPaymentElementCard(page);
      expect(scripts).toContain(`${emulator}/endive/stripe.js`);
      expect(scripts.filter((url) => url.includes('stripe.com'))).toEqual([]);

      await payWithPaymentElement(page, typedCardNumbers, CARDS.visa);
      await page.waitForURL(/\/payment-complete\?/);
      await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
    });

    test('local origins: embedded Checkout mounts from the emulator and pays', async ({ page, app, typedCardNumbers }) => {
      await chooseFlow(page, 'embedded');
      await expect(embeddedCheckoutFrame(page).locator('#email')).toBeVisible();
      expect(page.frames().some((frame) => frame.url().startsWith(`${app.emulatorOrigin ?? ''}/c/embedded/cs_`))).toBe(true);
      await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.visa);
      await page.waitForURL(/\/return\?session_id=cs_/);
      await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
    });

    test.describe('the seller page', () => {
      test.use({ paysByCard: false });

      test('local origins: the seller page loads the Connect.js stand-in from the emulator and onboards in its frames', async ({
        page,
        app,
      }) => {
        await onboardOnEmulatorOrigin(page, app);
      });
    });
  },
);
