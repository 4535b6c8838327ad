// The seller page against an app whose CSP names the emulator's own origin (EMULATOR_ORIGINS=local,
// or test keys with STRIPE_API_URL): GET /api/config names the emulator's Connect.js stand-in, the
// page loads it and each component's frame from that origin, onboarding goes through the
// component, and nothing is asked of stripe.com.
import { expect, type Page } from '@playwright/test';
import { SELLER_HOME_ROUTE } from '../../common/api-contract';
import type { RunningApp } from './app-process';
import { signInNewSeller } from './seller-session';

/** The components the seller page shows, as the client names them (client/src/seller.ts). */
const CONNECT_COMPONENTS = ['notification-banner', 'account-onboarding', 'payments', 'payouts', 'account-management'];

export async function onboardOnEmulatorOrigin(page: Page, app: RunningApp): Promise<void> {
  const emulator = app.emulatorOrigin ?? '';
  const config = (await (await page.request.get('/api/config')).json()) as { connectJsUrl: string | null };
  expect(config.connectJsUrl).toBe(`${emulator}/v1.0/connect.js`);

  const seller = await signInNewSeller(page.context(), app);
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const response = await page.goto(SELLER_HOME_ROUTE);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain(`frame-src ${emulator};`);
  expect(csp).toContain(`connect-src 'self' ${emulator};`);
  expect(csp).not.toContain('stripe.com');
  await expect(page.getByTestId('seller-email')).toHaveText(seller.email);

  // Each component in its frame on the emulator's origin, talking to the emulator's API.
  const component = (name: string) => page.frameLocator(`iframe[name="stripe-connect-${name}"]`);
  await expect(component('account-onboarding').locator('#onboarding-form')).toBeVisible();
  await expect(component('payments').getByText('No payments yet.')).toBeVisible();
  const frames = page.frames().filter((frame) => frame.name().startsWith('stripe-connect-'));
  expect(frames.map((frame) => frame.name()).sort()).toEqual(CONNECT_COMPONENTS.map((name) => `stripe-connect-${name}`).sort());
  for (const frame of frames) expect(frame.url().startsWith(`${emulator}/v1.0/components/`), frame.url()).toBe(true);
  // By keyboard: the components above this one render late and grow, moving its frame between
  // Playwright's aim and its click (a click that once landed beside the checkbox).
  await component('account-onboarding').locator('#tosAccepted').press('Space');
  await expect(component('account-onboarding').locator('#tosAccepted')).toBeChecked();
  await component('account-onboarding').getByRole('button', { name: 'Submit' }).press('Enter');
  await expect(component('account-onboarding').getByRole('heading', { name: 'Onboarding complete' })).toBeVisible();

  expect(requests).toContain(config.connectJsUrl);
  expect(requests.filter((url) => new URL(url).hostname.endsWith('stripe.com'))).toEqual([]);
}
