// Sends a browser's requests for Stripe's origins to the local emulator, so pages run under
// their production CSP (which names the real origins) with no network: the e2e fixtures and
// the audit's visit of an emulated app. maxRedirects: 0 hands a 303 (to our success_url) back
// to the browser, which follows it under our real CSP.
import type { BrowserContext } from '@playwright/test';

export const STRIPE_ORIGINS = [
  'https://checkout.stripe.com',
  'https://js.stripe.com',
  'https://api.stripe.com',
  'https://hooks.stripe.com',
  'https://connect-js.stripe.com',
] as const;

export async function routeStripeToEmulator(context: BrowserContext, emulatorOrigin: string): Promise<void> {
  for (const origin of STRIPE_ORIGINS) {
    await context.route(`${origin}/**`, async (route) => {
      const url = new URL(route.request().url());
      const response = await route.fetch({ url: `${emulatorOrigin}${url.pathname}${url.search}`, maxRedirects: 0 });
      await route.fulfill({ response });
    });
  }
}

/**
 * For an app whose CSP names the emulator's own origin (local origins, as `npm start` runs, or a
 * standalone emulator): nothing is routed, and a request for Stripe's origins fails as it does
 * offline, so a page that still asks Stripe for something is broken in the test as it is there.
 */
export async function refuseStripeOrigins(context: BrowserContext): Promise<void> {
  for (const origin of STRIPE_ORIGINS) await context.route(`${origin}/**`, (route) => route.abort('internetdisconnected'));
}
