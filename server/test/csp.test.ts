import { describe, expect, it } from 'vitest';
import { PAGE_INTEGRATIONS, STRIPE_ORIGINS, buildCspDirectives, buildCspHeader, emulatorOrigins } from '../src/security/csp';

const NONCE = 'bm9uY2Vub25jZW5vbmNl';

function directives(integration: 'hosted' | 'elements' | 'embedded', origins = STRIPE_ORIGINS) {
  return Object.fromEntries(buildCspDirectives({ integration, nonce: NONCE, origins }));
}

describe('CSP directive table', () => {
  it('gives hosted Checkout pages no Stripe origin at all', () => {
    const csp = buildCspHeader({ integration: 'hosted', nonce: NONCE, origins: STRIPE_ORIGINS });
    expect(csp).not.toContain('stripe.com');
    expect(csp).not.toContain('frame-src');
    expect(Object.values(PAGE_INTEGRATIONS)).toEqual(['hosted', 'hosted', 'hosted']);
  });

  it('writes the strict baseline', () => {
    expect(directives('hosted')).toEqual({
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
    });
  });

  it('names Stripe.js origins for an Elements page (Stripe published set, without maps)', () => {
    const d = directives('elements');
    expect(d['connect-src']).toEqual(["'self'", 'https://api.stripe.com']);
    expect(d['frame-src']).toEqual(['https://js.stripe.com', 'https://*.js.stripe.com', 'https://hooks.stripe.com']);
    expect(d['script-src']).toContain('https://js.stripe.com');
    expect(JSON.stringify(d)).not.toContain('maps.googleapis.com');
  });

  it('adds Checkout origins for embedded Checkout', () => {
    const d = directives('embedded');
    expect(d['frame-src']).toContain('https://checkout.stripe.com');
    expect(d['connect-src']).toContain('https://checkout.stripe.com');
    expect(d['img-src']).toEqual(["'self'", 'https://*.stripe.com']);
  });

  it('puts the emulator origin in place of Stripe origins', () => {
    const d = directives('elements', emulatorOrigins('https://localhost:12111'));
    expect(d['frame-src']).toEqual(['https://localhost:12111']);
    expect(JSON.stringify(d)).not.toContain('stripe.com');
  });
});
