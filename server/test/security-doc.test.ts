// docs/security.md must match the code: its header lists are compared with the headers
// live responses actually carry, and every file it names must exist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOC = readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf8');

// Headers that are about transport or caching, not security controls.
const NOT_SECURITY_HEADERS = new Set([
  'accept-ranges',
  'cache-control',
  'connection',
  'content-length',
  'content-type',
  'date',
  'etag',
  'keep-alive',
  'last-modified',
  'ratelimit',
  'ratelimit-policy',
  'vary',
]);

/** `{ header (lower case): documented value }` for one marked table. */
function documentedHeaders(section: string): Map<string, string> {
  const match = new RegExp(`<!-- headers:${section} -->([\\s\\S]*?)<!-- /headers:${section} -->`).exec(DOC);
  expect(match, `docs/security.md has a headers:${section} table`).not.toBeNull();
  const rows = (match?.[1] ?? '').split('\n').filter((line) => line.startsWith('| `'));
  return new Map(
    rows.map((row) => {
      const cells = [...row.matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? '');
      return [cells[0]?.toLowerCase() ?? '', cells[1] ?? ''];
    }),
  );
}

function securityHeaders(headers: Record<string, unknown>): string[] {
  return Object.keys(headers)
    .filter((name) => !NOT_SECURITY_HEADERS.has(name))
    .sort();
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('docs/security.md', () => {
  // An API answer comes from the Express app, a built file from the responders in front of it (request-listener.ts).
  it.each(['/api/products', '/assets/index-Bx12cd34.js'])(
    'lists exactly the security headers of %s, with their values',
    async (pathname) => {
      const every = documentedHeaders('every');
      const res = await app.request(pathname);
      expect(securityHeaders(res.headers)).toEqual([...every.keys()].sort());
      for (const [name, value] of every) expect(res.headers[name], name).toBe(value);
    },
  );

  it('lists exactly the security headers of an HTML page, with the CSP as sent (nonce aside)', async () => {
    const every = documentedHeaders('every');
    const html = documentedHeaders('html');
    const res = await app.request('/');
    expect(securityHeaders(res.headers)).toEqual([...every.keys(), ...html.keys()].sort());
    const csp = String(res.headers['content-security-policy']).replace(/nonce-[A-Za-z0-9+/=]+/g, 'nonce-…');
    expect(csp).toBe(html.get('content-security-policy'));
    expect(res.headers['reporting-endpoints']).toBe(html.get('reporting-endpoints')?.replace('<PUBLIC_URL>', app.url));
  });

  it('lists headers that are never sent, and they are not', async () => {
    const absent = [...documentedHeaders('absent').keys()];
    expect(absent).toEqual(['x-powered-by', 'cross-origin-embedder-policy']);
    for (const pathname of ['/', '/assets/index-Bx12cd34.js', '/api/products', '/nope']) {
      const res = await app.request(pathname);
      for (const name of absent) expect(res.headers[name], `${name} on ${pathname}`).toBeUndefined();
    }
  });

  it('lists the Stripe origins and the Permissions-Policy payment allowlist each page gets, as the pages are served', async () => {
    const match = /<!-- csp:pages -->([\s\S]*?)<!-- \/csp:pages -->/.exec(DOC);
    expect(match, 'docs/security.md has a csp:pages table').not.toBeNull();
    const rows = (match?.[1] ?? '').split('\n').filter((line) => line.startsWith('| `/'));
    expect(rows.length).toBe(7);
    for (const row of rows) {
      const [page = '', , script = '', connect = '', frame = '', img = '', payment = ''] = row
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll('`', ''));
      const res = await app.request(page);
      expect(res.status, page).toBe(200);
      const csp = new Map(
        String(res.headers['content-security-policy'])
          .split('; ')
          .map((part) => {
            const [name = '', ...values] = part.split(' ');
            return [name, values];
          }),
      );
      const stripeOnly = (name: string) => (csp.get(name) ?? []).filter((value) => value.includes('stripe.com')).join(' ');
      expect(
        {
          script: stripeOnly('script-src'),
          connect: stripeOnly('connect-src'),
          frame: stripeOnly('frame-src'),
          img: stripeOnly('img-src'),
        },
        page,
      ).toEqual({ script, connect, frame, img });
      expect(csp.has('frame-src'), `${page} has frame-src only with Stripe frames`).toBe(frame !== '');
      // The rest of the page's Permissions-Policy is the deny-all policy every response gets.
      const policy = String(res.headers['permissions-policy']);
      expect(/(?:^|, )payment=(\([^)]*\))/.exec(policy)?.[1], `${page} payment`).toBe(payment);
      expect(policy.replace(/(^|, )payment=\([^)]*\)/, '$1payment=()'), page).toBe(documentedHeaders('every').get('permissions-policy'));
    }
  });

  it('names only files that exist', () => {
    const files = [...DOC.matchAll(/`((?:server|docs|emulator|client|e2e)\/[^`]+\.(?:ts|md))`/g)].map((m) => m[1] ?? '');
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(existsSync(path.join(ROOT, file)), file).toBe(true);
  });
});
