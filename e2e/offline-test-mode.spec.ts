// The README's offline "test mode": the app with test keys and STRIPE_API_URL at an emulator
// started on its own (`npm run emulator`). Its payment intents and sessions exist only in that
// emulator, so the client must load the emulator's Stripe.js stand-in (named by GET /api/config)
// and the Stripe.js pages' CSP must name the emulator's origin: the browser never asks stripe.com
// for anything, and the watcher checks zero CSP violations as everywhere.
import { emulatorOnly } from '../test-support/emulator-only';
import { expect, test } from './support/fixtures';
import { CARDS } from './support/hosted-checkout';
import { onboardOnEmulatorOrigin } from './support/seller-page-on-emulator';
import { chooseFlow, payInEmbeddedCheckout, payWithPaymentElement } from './support/stripe-js-flows';
import type { Page } from '@playwright/test';

test.use({ standaloneEmulator: true });

/** Every script and frame URL the page asks for, to show none of them is Stripe's. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

test.describe(
  'a standalone emulator',
  emulatorOnly(
    'The offline test mode is the app against an emulator of its own; against Stripe it is the stripe-test-mode project itself.',
  ),
  () => {
    test('offline test mode: the Payment Element page loads the stand-in from the emulator and pays', async ({
      page,
      app,
      typedCardNumbers,
    }) => {
      const emulator = app.emulatorOrigin ?? '';
      const config = (await (await page.request.get('/api/config')).json()) as { mode: string; stripeJsUrl: string | null };
      expect(config.mode).toBe('test');
      expect(config.stripeJsUrl).not.toBeNull();
      expect(new URL(config.stripeJsUrl ?? '').origin).toBe(emulator);

      const requests = recordRequests(page);
      await chooseFlow(page, 'payment-element');
      await payWithPaymentElement(page, typedCardNumbers, CARDS.visa);
      expect(requests).toContain(config.stripeJsUrl);
      await page.waitForURL(/\/payment-complete\?/);
      await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
      expect(requests.filter((url) => new URL(url).hostname.endsWith('stripe.com'))).toEqual([]);
    });

    test('offline test mode: Embedded Checkout mounts from the emulator and pays', async ({ page, app, typedCardNumbers }) => {
      const requests = recordRequests(page);
      await chooseFlow(page, 'embedded');
      await payInEmbeddedCheckout(page, typedCardNumbers, CARDS.visa);
      expect(requests.some((url) => url.startsWith(`${app.emulatorOrigin ?? ''}/c/embedded/cs_`))).toBe(true);
      await page.waitForURL(/\/return\?session_id=cs_/);
      await expect(page.getByTestId('status-message')).toHaveText('Paid: Visa •••• 4242, expires 12/34');
      expect(requests.filter((url) => new URL(url).hostname.endsWith('stripe.com'))).toEqual([]);
    });

    test.describe('the seller page', () => {
      test.use({ paysByCard: false });

      test('offline test mode: the seller page loads the Connect.js stand-in from the emulator and onboards in its frames', async ({
        page,
        app,
      }) => {
        await onboardOnEmulatorOrigin(page, app);
      });
    });
  },
);
