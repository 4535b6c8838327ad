// The offline "test mode": test keys with STRIPE_API_URL at a separately started emulator. Its
// payment intents and sessions exist only in that emulator, so the browser must load the
// emulator's Stripe.js stand-in, and the Stripe.js pages' CSP (and Permissions-Policy) must name
// the emulator's origin where they name Stripe's in test mode proper. Hosted pages name neither.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_MANIFEST, PUBLIC_PAGES } from '../../common/pages';
import { emulatorOrigins, paymentFrameOrigins } from '../src/security/csp';
import { launchApp, type LaunchedApp } from '../../test-support/app-launcher';
import { startTestEmulator, type Emulator } from './helpers/emulator';
import { httpsRequest } from './helpers/https-request';
import { FIXTURE_CLIENT_DIR } from './helpers/test-app';

const TEST_KEYS = {
  STRIPE_SECRET_KEY: 'sk_test_offlineTestMode',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_offlineTestMode',
  STRIPE_WEBHOOK_SECRET: 'whsec_offline_test_mode_secret',
};

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | string[] | undefined): Map<string, string[]> {
  const text = Array.isArray(header) ? header.join(';') : (header ?? '');
  return new Map(
    text
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => Boolean(name))
      .map(([name, ...values]) => [name ?? '', values]),
  );
}

describe('test keys with STRIPE_API_URL at a separate emulator', () => {
  let emulator: Emulator;
  let app: LaunchedApp;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    app = await launchApp({ env: { ...TEST_KEYS, STRIPE_API_URL: emulator.url }, clientDistDir: FIXTURE_CLIENT_DIR, ca: emulator.ca });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    app?.remove();
    await emulator?.close();
  });

  it("names the emulator's Stripe.js and Connect.js stand-ins in GET /api/config, which the emulator serves", async () => {
    const config = await httpsRequest(`${app.url}/api/config`, { ca: app.ca });
    expect(config.json()).toEqual({
      publishableKey: TEST_KEYS.STRIPE_PUBLISHABLE_KEY,
      mode: 'test',
      stripeJsUrl: emulator.stripeJsUrl,
      connectJsUrl: emulator.connectJsUrl,
    });
    for (const url of [emulator.stripeJsUrl, emulator.connectJsUrl]) {
      const script = await httpsRequest(url, { ca: emulator.ca });
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
    }
  });

  it.each(PUBLIC_PAGES.map((entry) => [entry.route, entry.integration] as const))(
    "%s (%s): the CSP names the emulator's origin only where the page loads Stripe.js, and stripe.com nowhere",
    async (route, integration) => {
      const origin = new URL(emulator.url).origin;
      const page = await httpsRequest(`${app.url}${route}`, { ca: app.ca });
      expect(page.status).toBe(200);
      const csp = directives(page.headers['content-security-policy']);
      const header = String(page.headers['content-security-policy']);
      expect(header).not.toContain('stripe.com');
      if (integration === 'hosted') {
        expect(header).not.toContain(origin);
        return;
      }
      expect(csp.get('script-src')).toContain(origin);
      expect(csp.get('frame-src')).toContain(origin);
      expect(csp.get('connect-src')).toContain(origin);
      // Wallet frames only where the integration has them (Connect's components show none).
      const wallets = paymentFrameOrigins(integration, emulatorOrigins(origin)).length > 0;
      expect(String(page.headers['permissions-policy']).includes(`"${origin}"`)).toBe(wallets);
    },
  );
});

describe('test keys without STRIPE_API_URL (Stripe itself)', () => {
  let app: LaunchedApp;
  beforeAll(async () => {
    app = await launchApp({ env: TEST_KEYS, clientDistDir: FIXTURE_CLIENT_DIR });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    app?.remove();
  });

  it('loads the real Stripe.js (no stand-in named) and the Stripe.js pages name js.stripe.com', async () => {
    const config = await httpsRequest(`${app.url}/api/config`, { ca: app.ca });
    expect(config.json()).toEqual({
      publishableKey: TEST_KEYS.STRIPE_PUBLISHABLE_KEY,
      mode: 'test',
      stripeJsUrl: null,
      connectJsUrl: null,
    });
    const route = PAGE_MANIFEST.find((entry) => entry.integration === 'payment-element')?.route ?? '';
    const csp = directives((await httpsRequest(`${app.url}${route}`, { ca: app.ca })).headers['content-security-policy']);
    expect(csp.get('script-src')).toContain('https://js.stripe.com');
    expect([...csp.values()].flat().filter((source) => source.includes('localhost'))).toEqual([]);
  });
});
