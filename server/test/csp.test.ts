// The per-integration directive table, one exact expectation per page (STRIPE-NOTES /
// https://docs.stripe.com/security/guide#content-security-policy).
import { describe, expect, it } from 'vitest';
import {
  CONNECT_JS_STYLE_HASH,
  PAGE_INTEGRATIONS,
  STRIPE_ORIGINS,
  buildCspDirectives,
  buildCspHeader,
  emulatorOrigins,
} from '../src/security/csp';
import type { Integration, Page, StripeOrigins } from '../src/security/csp';

const NONCE = 'bm9uY2Vub25jZW5vbmNl';
const EMULATOR = 'https://localhost:12111';

function directives(integration: Integration, origins: StripeOrigins = STRIPE_ORIGINS) {
  return Object.fromEntries(buildCspDirectives({ integration, nonce: NONCE, origins }));
}

const BASELINE = {
  'default-src': ["'none'"],
  'script-src': [`'nonce-${NONCE}'`, "'strict-dynamic'", 'https:', "'unsafe-inline'"],
  'style-src': ["'self'", `'nonce-${NONCE}'`],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
  'object-src': ["'none'"],
  'upgrade-insecure-requests': [],
  'report-uri': ['/csp-reports'],
  'report-to': ['csp-endpoint'],
};

const STRIPE_JS_SCRIPTS = ['https://js.stripe.com', 'https://*.js.stripe.com'];

/** The exact policy each page must get, with Stripe's real origins. */
const EXPECTED: Record<Integration, Record<string, string[]>> = {
  hosted: BASELINE,
  'payment-element': {
    ...BASELINE,
    'script-src': [...BASELINE['script-src'], ...STRIPE_JS_SCRIPTS],
    'connect-src': ["'self'", 'https://api.stripe.com'],
    'frame-src': ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com'],
  },
  embedded: {
    ...BASELINE,
    'script-src': [...BASELINE['script-src'], ...STRIPE_JS_SCRIPTS, 'https://checkout.stripe.com'],
    'img-src': ["'self'", 'https://*.stripe.com'],
    'connect-src': ["'self'", 'https://api.stripe.com', 'https://checkout.stripe.com'],
    'frame-src': ['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com', 'https://checkout.stripe.com'],
  },
  // Connect embedded components' published set, to the letter (the issue's list and Stripe's guide).
  connect: {
    ...BASELINE,
    'script-src': [...BASELINE['script-src'], 'https://connect-js.stripe.com', 'https://js.stripe.com'],
    'style-src': ["'self'", `'nonce-${NONCE}'`, "'sha256-0hAheEzaMe6uXIKV4EehS9pu1am1lj/KnnzrOYqckXk='"],
    'img-src': ["'self'", 'https://*.stripe.com'],
    'connect-src': ["'self'", 'https://api.stripe.com'],
    'frame-src': ['https://connect-js.stripe.com', 'https://js.stripe.com'],
  },
};

const PAGES: [Page, Integration][] = [
  ['index', 'hosted'],
  ['success', 'hosted'],
  ['cancel', 'hosted'],
  ['return', 'hosted'],
  ['payment-complete', 'hosted'],
  ['embedded-checkout', 'embedded'],
  ['payment', 'payment-element'],
  // The workshop lab's panel (lab mode only) talks to our API alone.
  ['lab', 'hosted'],
  // Sign-in and enrolment load no Stripe code: passkeys talk to our own origin only.
  ['seller-sign-in', 'hosted'],
  ['seller-enrol', 'hosted'],
  // The seller area runs Connect embedded components.
  ['seller', 'connect'],
];

describe('CSP directive table', () => {
  it('assigns every page an integration, and only the two Stripe.js pages get Stripe origins', () => {
    expect(Object.entries(PAGE_INTEGRATIONS).sort()).toEqual([...PAGES].sort());
  });

  it.each(PAGES)('gives the %s page exactly the %s policy', (page, integration) => {
    expect(directives(PAGE_INTEGRATIONS[page])).toEqual(EXPECTED[integration]);
  });

  it("gives Connect.js's style hash, connect-js.stripe.com and no Stripe.js subdomain or Checkout to Connect pages only", () => {
    for (const integration of ['hosted', 'payment-element', 'embedded'] as const) {
      const header = buildCspHeader({ integration, nonce: NONCE, origins: STRIPE_ORIGINS });
      expect(header).not.toContain(CONNECT_JS_STYLE_HASH);
      expect(header).not.toContain('connect-js.stripe.com');
    }
    const connect = buildCspHeader({ integration: 'connect', nonce: NONCE, origins: STRIPE_ORIGINS });
    for (const other of ['*.js.stripe.com', 'checkout.stripe.com', 'hooks.stripe.com']) expect(connect).not.toContain(other);
    // The weakened lab policy allows inline styles anyway: no hash beside 'unsafe-inline'.
    const weak = Object.fromEntries(buildCspDirectives({ integration: 'connect', nonce: NONCE, origins: STRIPE_ORIGINS, strict: false }));
    expect(weak['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it('never names maps.googleapis.com (no Address Element) or a Stripe origin on hosted pages', () => {
    for (const integration of ['hosted', 'payment-element', 'embedded'] as const) {
      expect(buildCspHeader({ integration, nonce: NONCE, origins: STRIPE_ORIGINS })).not.toContain('maps.googleapis.com');
    }
    const hosted = buildCspHeader({ integration: 'hosted', nonce: NONCE, origins: STRIPE_ORIGINS });
    expect(hosted).not.toContain('stripe.com');
    expect(hosted).not.toContain('frame-src');
  });

  it.each([
    [
      'payment-element',
      { 'script-src': [...BASELINE['script-src'], EMULATOR], 'connect-src': ["'self'", EMULATOR], 'frame-src': [EMULATOR] },
    ],
    [
      'embedded',
      {
        'script-src': [...BASELINE['script-src'], EMULATOR],
        'connect-src': ["'self'", EMULATOR],
        'frame-src': [EMULATOR],
        'img-src': ["'self'", EMULATOR],
      },
    ],
    [
      'connect',
      {
        'script-src': [...BASELINE['script-src'], EMULATOR],
        'style-src': [...BASELINE['style-src'], CONNECT_JS_STYLE_HASH],
        'connect-src': ["'self'", EMULATOR],
        'frame-src': [EMULATOR],
        'img-src': ["'self'", EMULATOR],
      },
    ],
    ['hosted', {}],
  ] as const)('puts the emulator origin in place of Stripe origins for %s', (integration, changes) => {
    const d = directives(integration, emulatorOrigins(EMULATOR));
    expect(d).toEqual({ ...BASELINE, ...changes });
    expect(JSON.stringify(d)).not.toContain('stripe.com');
  });
});
