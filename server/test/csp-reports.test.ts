// POST /csp-reports in both report formats: size-limited, rate-limited, logged and stored.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

// A fresh app (its own database and rate-limit counters) for each test, so no test depends on
// what the ones before it stored or how many requests they used.
const CSP_REPORTS_PER_WINDOW = 6;
let app: TestApp;
beforeEach(async () => {
  app = await startTestApp({ rateLimits: { windowMs: 60_000, api: 100, checkout: 100, orders: 100, cspReports: CSP_REPORTS_PER_WINDOW } });
});
afterEach(async () => {
  await app.close();
});

const LEGACY = JSON.stringify({
  'csp-report': {
    'document-uri': 'https://localhost/success',
    'violated-directive': 'script-src-elem',
    'effective-directive': 'script-src-elem',
    'blocked-uri': 'https://evil.example/x.js',
    disposition: 'enforce',
  },
});
const REPORTING_API = JSON.stringify([
  { type: 'csp-violation', url: 'https://localhost/', body: { documentURL: 'https://localhost/', effectiveDirective: 'connect-src', blockedURL: 'https://evil.example/beacon', disposition: 'enforce' } },
]);

function report(body: string, contentType: string) {
  return app.request('/csp-reports', { method: 'POST', headers: { 'Content-Type': contentType }, body });
}

describe('CSP report endpoint', () => {
  it('logs a report-uri report', async () => {
    const res = await report(LEGACY, 'application/csp-report');
    expect(res.status).toBe(204);
    const logged = app.logLines.map((line) => JSON.parse(line) as { msg: string; cspViolation?: object }).filter((l) => l.msg === 'CSP violation reported');
    expect(logged.at(-1)?.cspViolation).toEqual({ documentUrl: 'https://localhost/success', directive: 'script-src-elem', blockedUrl: 'https://evil.example/x.js' });
  });

  it('logs a report-to (Reporting API) report', async () => {
    const res = await report(REPORTING_API, 'application/reports+json');
    expect(res.status).toBe(204);
    expect(app.logLines.join('')).toContain('https://evil.example/beacon');
  });

  it('stores both reports for the monitor, once each', async () => {
    expect((await report(LEGACY, 'application/csp-report')).status).toBe(204);
    expect((await report(REPORTING_API, 'application/reports+json')).status).toBe(204);
    expect((await app.cspReports.listSince(0)).map(({ documentUrl, directive, blockedUrl, count }) => ({ documentUrl, directive, blockedUrl, count }))).toEqual([
      { documentUrl: 'https://localhost/', directive: 'connect-src', blockedUrl: 'https://evil.example/beacon', count: 1 },
      { documentUrl: 'https://localhost/success', directive: 'script-src-elem', blockedUrl: 'https://evil.example/x.js', count: 1 },
    ]);
  });

  it('acknowledges a report carrying a card number without storing or logging the number', async () => {
    const before = await app.cspReports.listSince(0);
    const withPan = JSON.stringify({ 'csp-report': { 'document-uri': 'https://localhost/payment', 'effective-directive': 'connect-src', 'blocked-uri': 'https://evil.example/c?n=4242424242424242' } });
    const res = await report(withPan.replace('?n=', '/'), 'application/csp-report');
    expect(res.status).toBe(204);
    expect(await app.cspReports.listSince(0)).toEqual(before);
    expect(app.logLines.join('')).not.toContain('4242424242424242');
  });

  it.each([
    ['an oversized report', JSON.stringify({ 'csp-report': { 'document-uri': 'x'.repeat(9000) } }), 'application/csp-report', 413],
    ['a report of the wrong shape', JSON.stringify({ hello: 'world' }), 'application/csp-report', 400],
    ['another content type', LEGACY, 'text/plain', 415],
  ])('refuses %s', async (_name, body, contentType, status) => {
    const before = await app.cspReports.listSince(0);
    const res = await report(body, contentType);
    expect(res.status).toBe(status);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
    expect(await app.cspReports.listSince(0)).toEqual(before);
  });

  it('is rate-limited', async () => {
    for (let i = 0; i < CSP_REPORTS_PER_WINDOW; i++) expect((await report(LEGACY, 'application/csp-report')).status).toBe(204);
    const res = await report(LEGACY, 'application/csp-report');
    expect(res.status).toBe(429);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
  });
});
