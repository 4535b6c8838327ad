// Security headers per response type, over real HTTPS: present where they must be,
// absent where they must not be. The same in both TLS modes: the app's own HTTPS, and plain
// HTTP behind a TLS-terminating proxy (HSTS included: the browser sees it over the proxy's HTTPS).
import { readFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ABSENT_HEADERS,
  EVERY_RESPONSE_HEADERS,
  HTML_ONLY_HEADERS,
  POWERFUL_FEATURES,
  buildPagePermissionsPolicy,
  createSecurityHeadersMiddleware,
  everyResponseHeaders,
} from '../src/security/headers';
import { STRIPE_ORIGINS, buildCspHeader, buildReportingEndpointsHeader } from '../src/security/csp';
import { PAGE_ENTRIES, PAGE_MANIFEST, isShopPage, type PageEntry } from '../../common/pages';

/** The pages an app outside lab mode serves (server/test/lab.test.ts covers the lab's). */
const SHOP_PAGES: readonly PageEntry[] = PAGE_MANIFEST.filter(isShopPage);
import { nameOf } from '../../test-support/fixture-client';
import { FIXTURE_CLIENT_DIR, TLS_MODES, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/** helmet's check(): every expected header with its value, and every forbidden header absent. */
function check(headers: IncomingHttpHeaders, expected: Record<string, string | RegExp>, absent: readonly string[]) {
  for (const [name, value] of Object.entries(expected)) {
    const actual = headers[name];
    expect(actual, `header ${name}`).toBeDefined();
    if (typeof value === 'string') expect(actual, `header ${name}`).toBe(value);
    else expect(String(actual), `header ${name}`).toMatch(value);
  }
  for (const name of absent) expect(headers[name], `header ${name} must be absent`).toBeUndefined();
}

const EVERY_RESPONSE = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'cross-origin-opener-policy': 'same-origin-allow-popups',
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  // Every powerful feature denied; the two Stripe.js pages allow `payment` (permissions-policy.test.ts).
  'permissions-policy': POWERFUL_FEATURES.map((feature) => `${feature}=()`).join(', '),
};

function cspOf(headers: IncomingHttpHeaders): Map<string, string[]> {
  const csp = String(headers['content-security-policy']);
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('the security headers middleware', () => {
  it('lists exactly the headers the middleware sets on every response (the list docs/security.md is checked against)', () => {
    // The middleware itself, on a bare response: nothing else (Express, a route) adds headers here.
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    let passedOn = false;
    const middleware = createSecurityHeadersMiddleware({ profile: 'production', hstsPreload: false }) as unknown as (
      req: IncomingMessage,
      res: ServerResponse,
      next: () => void,
    ) => void;
    middleware(req, res, () => (passedOn = true));
    expect(passedOn).toBe(true);
    expect(Object.fromEntries(res.getHeaderNames().map((name) => [name, res.getHeader(name)]))).toEqual(EVERY_RESPONSE);
    expect(res.getHeaderNames().sort()).toEqual([...EVERY_RESPONSE_HEADERS].sort());
  });
});

describe.each(TLS_MODES)('security headers (TLS_MODE=%s)', (tlsMode) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ tlsMode });
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['/', 'index'],
    ['/success?session_id=cs_test_abc', 'success'],
    ['/cancel', 'cancel'],
    ['/return?session_id=cs_test_abc', 'return'],
    ['/payment-complete?payment_intent=pi_abc&redirect_status=succeeded', 'payment-complete'],
  ])('serves %s as HTML with a fresh nonce on every script and style, and a strict CSP', async (path, page) => {
    const first = await app.request(path);
    const second = await app.request(path);
    expect(first.status).toBe(200);
    // The file the page list names for this page (pages may share one): the fixture's body names it.
    const entry = PAGE_MANIFEST.find((candidate) => candidate.page === page)?.entry ?? '';
    expect(first.text).toContain(`data-entry="${nameOf(entry)}"`);
    check(
      first.headers,
      {
        ...EVERY_RESPONSE,
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'reporting-endpoints': `csp-endpoint="${app.url}/csp-reports"`,
      },
      ABSENT_HEADERS,
    );

    const nonces = [first, second].map((res) => {
      const match = /'nonce-([A-Za-z0-9+/=]+)'/.exec(String(res.headers['content-security-policy']));
      expect(match).not.toBeNull();
      return match?.[1] ?? '';
    });
    expect(nonces[0]).not.toBe(nonces[1]);
    expect(Buffer.from(nonces[0] ?? '', 'base64').length).toBeGreaterThanOrEqual(16);
    expect(first.text).not.toContain('__CSP_NONCE__');
    // Every tag the build gave a nonce placeholder carries this response's nonce.
    const placeholders = readFileSync(join(FIXTURE_CLIENT_DIR, entry), 'utf8').match(/__CSP_NONCE__/g) ?? [];
    expect(placeholders.length).toBeGreaterThan(0);
    expect(first.text.match(/nonce="([^"]+)"/g)).toEqual(placeholders.map(() => `nonce="${nonces[0]}"`));

    const csp = cspOf(first.headers);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual([`'nonce-${nonces[0]}'`, "'strict-dynamic'", 'https:', "'unsafe-inline'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('upgrade-insecure-requests')).toEqual([]);
    expect(csp.get('report-uri')).toEqual(['/csp-reports']);
    expect(csp.get('report-to')).toEqual(['csp-endpoint']);
    // Hosted Checkout and every return page: they load no Stripe code, so no Stripe origin and no frames.
    expect(String(first.headers['content-security-policy'])).not.toMatch(/stripe\.com|unsafe-eval/);
    expect(csp.has('frame-src')).toBe(false);
    expect(csp.get('style-src')).not.toContain("'unsafe-inline'");
  });

  it('sends no CSP, and the common headers, on JSON API responses', async () => {
    const res = await app.request('/api/products');
    expect(res.status).toBe(200);
    check(res.headers, { ...EVERY_RESPONSE, 'content-type': /^application\/json/ }, [...ABSENT_HEADERS, ...HTML_ONLY_HEADERS]);
  });

  it('puts the common headers on 404s and errors too', async () => {
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
    check(res.headers, EVERY_RESPONSE, [...ABSENT_HEADERS, ...HTML_ONLY_HEADERS]);
  });

  it('caches hashed assets for a year as immutable, without a CSP', async () => {
    const res = await app.request('/assets/index-Bx12cd34.js');
    expect(res.status).toBe(200);
    check(res.headers, { ...EVERY_RESPONSE, 'cache-control': 'public, max-age=31536000, immutable', 'content-type': /javascript/ }, [
      ...ABSENT_HEADERS,
      ...HTML_ONLY_HEADERS,
    ]);
    const image = await app.request('/images/enamel-mug.svg');
    check(image.headers, { 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }, HTML_ONLY_HEADERS);
  });

  it('never serves an HTML file raw (without its nonce and CSP)', async () => {
    for (const path of [...PAGE_ENTRIES.map((entry) => `/${entry}`), '/cancel.HTML', '/layout.html', '/success.html']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('__CSP_NONCE__');
    }
  });

  it('adds preload to HSTS only when asked', async () => {
    const preloaded = await startTestApp({ hstsPreload: true, tlsMode });
    try {
      const res = await preloaded.request('/healthz');
      expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains; preload');
    } finally {
      await preloaded.close();
    }
  });

  it('sends no lasting HSTS with the development headers (a loopback origin): max-age=0 on every response', async () => {
    const development = await startTestApp({ securityHeaders: 'development', tlsMode });
    try {
      for (const pathname of ['/', '/api/products', '/assets/index-Bx12cd34.js', '/nope']) {
        const res = await development.request(pathname);
        check(res.headers, { ...EVERY_RESPONSE, 'strict-transport-security': 'max-age=0' }, ABSENT_HEADERS);
      }
    } finally {
      await development.close();
    }
  });

  // Pages and built files are answered in front of the Express router (request-listener.ts), the
  // rest by the Express app: both take their headers from security/headers.ts, checked here on
  // answers of each kind over the real listener.
  describe('one header module for both ways a response is answered', () => {
    const SECURITY = { profile: 'production', hstsPreload: false } as const;
    const COMMON = Object.fromEntries(everyResponseHeaders(SECURITY).map(([name, value]) => [name.toLowerCase(), value]));
    const SECURITY_HEADER_NAMES: readonly string[] = [...EVERY_RESPONSE_HEADERS, ...HTML_ONLY_HEADERS, ...ABSENT_HEADERS];
    /** Every security header a response carries (present ones only), by lower-case name. */
    const securityHeadersOf = (headers: IncomingHttpHeaders) =>
      Object.fromEntries(SECURITY_HEADER_NAMES.filter((name) => headers[name] !== undefined).map((name) => [name, headers[name]]));
    /** Set by Node for the message and the connection, on every answer. */
    const TRANSPORT = ['connection', 'content-length', 'date'];

    it('the module lists the headers of EVERY_RESPONSE_HEADERS, no more', () => {
      expect(Object.keys(COMMON).sort()).toEqual([...EVERY_RESPONSE_HEADERS].sort());
      expect(COMMON).toEqual(EVERY_RESPONSE);
    });

    it.each([
      ['GET', '/api/products', 'a JSON answer (the Express app)'],
      ['GET', '/nope', 'a JSON 404 (the Express app)'],
      ['POST', '/payment', "another method on a page's route (the Express app's 404)"],
      ['GET', '/assets/index-Bx12cd34.js', 'a built file (in front of the router)'],
      ['HEAD', '/assets/index-Bx12cd34.js', 'a built file, HEAD'],
      ['GET', '/images/enamel-mug.svg', 'an unhashed built file'],
    ])('%s %s, %s: exactly the common headers, with their values', async (method, pathname) => {
      const res = await app.request(pathname, { method });
      expect(securityHeadersOf(res.headers)).toEqual(COMMON);
    });

    it.each(SHOP_PAGES.flatMap((entry) => ['GET', 'HEAD'].map((method) => [method, entry.route, entry.integration, entry] as const)))(
      "%s %s: the common headers with the page's own Permissions-Policy, its CSP and where reports go",
      async (method, route, integration, entry) => {
        const res = await app.requestPage(route, { method });
        expect(res.status).toBe(200);
        const nonce = /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1] ?? '';
        expect(securityHeadersOf(res.headers)).toEqual({
          ...COMMON,
          'permissions-policy': buildPagePermissionsPolicy(integration, STRIPE_ORIGINS, entry.features),
          'content-security-policy': buildCspHeader({ integration, nonce, origins: STRIPE_ORIGINS }),
          'reporting-endpoints': buildReportingEndpointsHeader(app.url),
        });
      },
    );

    it('sends a page with exactly its headers: no validator (its body is new every time) and no range support', async () => {
      for (const method of ['GET', 'HEAD']) {
        const res = await app.request('/payment', { method });
        expect(Object.keys(res.headers).sort(), method).toEqual(
          [...EVERY_RESPONSE_HEADERS, ...HTML_ONLY_HEADERS, 'cache-control', 'content-type', ...TRANSPORT].sort(),
        );
      }
    });

    it('sends a built file with exactly its headers: its caching, type, validators and Vary', async () => {
      const res = await app.request('/assets/index-Bx12cd34.js');
      expect(Object.keys(res.headers).sort()).toEqual(
        [...EVERY_RESPONSE_HEADERS, 'cache-control', 'content-type', 'etag', 'last-modified', 'vary', ...TRANSPORT].sort(),
      );
    });

    it("answers HEAD for a page with GET's length and no body", async () => {
      for (const { route } of SHOP_PAGES) {
        const [head, full] = [await app.requestPage(route, { method: 'HEAD' }), await app.requestPage(route)];
        expect(head.text, route).toBe('');
        expect(head.headers['content-length'], route).toBe(String(Buffer.byteLength(full.text)));
        expect(full.headers['content-length'], route).toBe(String(Buffer.byteLength(full.text)));
      }
    });

    it("answers any other method on a page's route with the JSON 404, as on any path that has no such answer", async () => {
      for (const { route } of SHOP_PAGES) {
        for (const method of ['OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH']) {
          const res = await app.request(route, { method });
          expect(res.status, `${method} ${route}`).toBe(404);
          expect(res.json(), `${method} ${route}`).toEqual({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
          check(res.headers, EVERY_RESPONSE, [...ABSENT_HEADERS, ...HTML_ONLY_HEADERS, 'allow']);
        }
      }
    });
  });
});
