// Permissions-Policy: every powerful feature denied on every response; `payment` allowed only
// on the pages that embed Stripe frames showing wallets, and only to those frames' origins,
// the same ones the page's CSP lets it frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_FILES } from '../src/routes/pages';
import { PAGE_MANIFEST, type PageEntry } from '../../common/pages';

import { PAGE_INTEGRATIONS, STRIPE_ORIGINS, emulatorOrigins, frameOrigins, paymentFrameOrigins } from '../src/security/csp';
import type { StripeOrigins } from '../src/security/csp';
import { POWERFUL_FEATURES } from '../src/security/headers';
import { TLS_MODES, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import type { TestResponse } from './helpers/https-request';

/** The pages an app outside lab mode serves (server/test/lab.test.ts covers the lab's). */
const SHOP_PAGE_FILES = PAGE_FILES.filter((entry) => entry.access !== 'lab');
const routeOf = (page: string) => PAGE_FILES.find((entry) => entry.page === page)?.route ?? '';

/** `feature=(allowlist)` pairs, in order. */
function policyOf(res: TestResponse): [string, string][] {
  const header = res.headers['permissions-policy'];
  expect(header, 'a Permissions-Policy header').toBeTypeOf('string');
  return String(header)
    .split(', ')
    .map((entry) => {
      const match = /^([a-z-]+)=(\(.*\))$/.exec(entry);
      expect(match, entry).not.toBeNull();
      return [match?.[1] ?? '', match?.[2] ?? ''];
    });
}

function cspFrameSrc(res: TestResponse): string[] {
  const directive = String(res.headers['content-security-policy'])
    .split('; ')
    .find((part) => part.startsWith('frame-src '));
  return directive ? directive.split(' ').slice(1) : [];
}

const EMULATOR = emulatorOrigins('https://localhost:12111');

describe.each(
  TLS_MODES.flatMap((tlsMode) =>
    (
      [
        ["Stripe's origins", STRIPE_ORIGINS],
        ["the emulator's origin (EMULATOR_ORIGINS=local)", EMULATOR],
      ] as [string, StripeOrigins][]
    ).map(([name, origins]) => [name, tlsMode, origins] as const),
  ),
)('Permissions-Policy with %s (TLS_MODE=%s)', (_name, tlsMode, origins) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ stripeOrigins: origins, tlsMode });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each(SHOP_PAGE_FILES.map(({ route, page }) => [route, page] as const))(
    '%s denies every powerful feature but payment for its wallet frames and the features it uses itself',
    async (route, page) => {
      const res = await app.requestPage(route);
      expect(res.status).toBe(200);
      const policy = policyOf(res);
      expect(policy.map(([feature]) => feature)).toEqual([...POWERFUL_FEATURES]);
      // The page list's `features` (passkeys) for the page itself, no frame; nothing else.
      const own: readonly string[] = (PAGE_MANIFEST as readonly PageEntry[]).find((entry) => entry.page === page)?.features ?? [];
      for (const [feature, allowlist] of policy) {
        if (feature !== 'payment') expect(allowlist, feature).toBe(own.includes(feature) ? '(self)' : '()');
      }

      // payment: our page (it can only hand on what it has) and the wallet frames from the per-integration table.
      const wallets = paymentFrameOrigins(PAGE_INTEGRATIONS[page], origins);
      const payment = new Map(policy).get('payment');
      expect(payment).toBe(wallets.length === 0 ? '()' : `(self ${wallets.map((origin) => `"${origin}"`).join(' ')})`);
      // Only frames the page's CSP lets it load, and only on the pages that load Stripe.js (Connect's
      // component frames show no wallet: the seller page frames Stripe and grants payment to none).
      expect(cspFrameSrc(res)).toEqual(expect.arrayContaining(wallets));
      expect(wallets.length > 0, `${route} allows payment only if it loads Stripe.js`).toBe(
        cspFrameSrc(res).length > 0 && PAGE_INTEGRATIONS[page] !== 'connect',
      );
    },
  );

  it('grants passkey creation to the enrolment page only, and passkey use to the sign-in page only', async () => {
    for (const feature of ['publickey-credentials-create', 'publickey-credentials-get'] as const) {
      const granted: string[] = [];
      for (const { route } of PAGE_FILES) {
        if (new Map(policyOf(await app.requestPage(route))).get(feature) === '(self)') granted.push(route);
      }
      expect(granted, feature).toEqual(
        PAGE_MANIFEST.filter((entry: PageEntry) => entry.features?.includes(feature)).map((entry) => entry.route),
      );
      expect(granted, feature).toHaveLength(1);
    }
  });

  it('allows payment to Stripe.js frames on the Payment Element page, and to Checkout frames too on the Embedded Checkout page, never to 3-D Secure frames', async () => {
    const allowed = async (route: string) => new Map(policyOf(await app.request(route))).get('payment');
    expect(await allowed(routeOf('payment'))).toBe(`(self ${origins.js.map((o) => `"${o}"`).join(' ')})`);
    expect(await allowed(routeOf('embedded-checkout'))).toBe(
      `(self ${[...new Set([...origins.js, ...origins.checkout])].map((o) => `"${o}"`).join(' ')})`,
    );
    if (origins === STRIPE_ORIGINS) {
      for (const { route } of SHOP_PAGE_FILES) expect(await allowed(route)).not.toContain('hooks.stripe.com');
    }
  });

  it.each([
    ['a JSON answer', '/api/products', 200],
    ['the health check', '/healthz', 200],
    ['a hashed asset', '/assets/payment-Bx12cd34.js', 200],
    ['an image', '/images/enamel-mug.svg', 200],
    ['a 404', '/nope', 404],
    ['a raw HTML file (refused)', '/payment.html', 404],
    ['a refused webhook', '/webhooks/stripe', 400],
  ])('denies every powerful feature, payment included, on %s', async (_name, pathname, status) => {
    const res = await app.request(
      pathname,
      pathname.startsWith('/webhooks') ? { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' } : {},
    );
    expect(res.status).toBe(status);
    expect(policyOf(res)).toEqual(POWERFUL_FEATURES.map((feature) => [feature, '()']));
  });
});

describe('the per-integration table', () => {
  it('gives payment only to frames the same integration may load', () => {
    for (const integration of new Set(Object.values(PAGE_INTEGRATIONS))) {
      for (const origins of [STRIPE_ORIGINS, EMULATOR]) {
        expect(frameOrigins(integration, origins)).toEqual(expect.arrayContaining(paymentFrameOrigins(integration, origins)));
      }
    }
  });
});
