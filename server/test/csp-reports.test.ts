// POST /csp-reports in both report formats: size-limited, rate-limited, logged and stored,
// with a per-client quota so one client's flood cannot push another's report out.
// Every test starts its own app, so none depends on what another sent (or on its rate limit).
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CSP_REPORT_QUOTA } from '../src/store/csp-report-store';
import { startTestApp } from './helpers/test-app';
import type { TestApp, TestAppOptions } from './helpers/test-app';

const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  const app = await startTestApp(options);
  apps.push(app);
  return app;
}

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
  {
    type: 'csp-violation',
    url: 'https://localhost/',
    body: {
      documentURL: 'https://localhost/',
      effectiveDirective: 'connect-src',
      blockedURL: 'https://evil.example/beacon',
      disposition: 'enforce',
    },
  },
]);

function report(app: TestApp, body: string, contentType: string, headers: Record<string, string> = {}) {
  return app.request('/csp-reports', { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body });
}

const logged = (app: TestApp) =>
  app.logLines.map((line) => JSON.parse(line) as { msg: string; cspViolation?: object; client?: string; keptOut?: number });

describe('CSP report endpoint', () => {
  it('logs a report-uri report', async () => {
    const app = await startApp();
    const res = await report(app, LEGACY, 'application/csp-report');
    expect(res.status).toBe(204);
    expect(
      logged(app)
        .filter((l) => l.msg === 'CSP violation reported')
        .map((l) => l.cspViolation),
    ).toEqual([{ documentUrl: 'https://localhost/success', directive: 'script-src-elem', blockedUrl: 'https://evil.example/x.js' }]);
  });

  it('logs a report-to (Reporting API) report', async () => {
    const app = await startApp();
    const res = await report(app, REPORTING_API, 'application/reports+json');
    expect(res.status).toBe(204);
    expect(app.logLines.join('')).toContain('https://evil.example/beacon');
  });

  it('stores both formats for the monitor, once each, keyed on the blocked origin', async () => {
    const app = await startApp();
    for (const [body, contentType] of [
      [LEGACY, 'application/csp-report'],
      [REPORTING_API, 'application/reports+json'],
      [LEGACY, 'application/csp-report'],
    ] as const) {
      expect((await report(app, body, contentType)).status).toBe(204);
    }
    const stored = (await app.cspReports.listSince(0)).map(({ documentUrl, directive, blockedUrl, count }) => ({
      documentUrl,
      directive,
      blockedUrl,
      count,
    }));
    expect(stored.sort((a, b) => a.documentUrl.localeCompare(b.documentUrl))).toEqual([
      { documentUrl: 'https://localhost/', directive: 'connect-src', blockedUrl: 'https://evil.example', count: 1 },
      { documentUrl: 'https://localhost/success', directive: 'script-src-elem', blockedUrl: 'https://evil.example', count: 2 },
    ]);
  });

  it('stores a report carrying a card number in any form with the number masked, and logs none of it', async () => {
    const pan = '4000056655665556';
    const groups = pan.match(/.{4}/g)!;
    const fullWidth = (digits: string) => [...digits].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join('');
    // The forms the security review got stored and logged: . _ / + tab, two spaces, NBSP, %20, full-width digits.
    const forms = [
      ...['.', '_', '/', '+', '\t', '  ', '\u00a0', '%20'].map((separator) => groups.join(separator)),
      groups.map(fullWidth).join(' '),
    ];
    const reports = forms.map((form) => ({
      type: 'csp-violation',
      body: { documentURL: form, effectiveDirective: 'connect-src', blockedURL: `https://evil.example/c/${form}?n=${form}` },
    }));
    const app = await startApp();
    const res = await report(app, JSON.stringify(reports), 'application/reports+json');
    expect(res.status).toBe(204);

    // What a reader of the row or the log line would see once escapes and digit forms are undone.
    const digitsSeen = (text: string) => decodeURIComponent(decodeURIComponent(text)).normalize('NFKC').replace(/\D/g, '');
    // Blocked URLs are stored as their origin, so the number in their path is not kept at all.
    const stored = await app.cspReports.listSince(0);
    expect(stored).toHaveLength(forms.length);
    for (const row of stored) {
      expect(digitsSeen(row.documentUrl), row.documentUrl).toBe(pan.slice(-4));
      expect(row.blockedUrl).toBe('https://evil.example');
    }
    const lines = app.logLines.map((line) => JSON.parse(line) as { msg: string; cspViolation?: Record<string, string> });
    const logged = lines.filter((line) => line.msg === 'CSP violation reported').map((line) => line.cspViolation!);
    expect(logged).toHaveLength(forms.length);
    for (const violation of logged) {
      expect(digitsSeen(violation['documentUrl']!)).toBe(pan.slice(-4));
      expect(digitsSeen(violation['blockedUrl']!)).toBe(pan.slice(-4).repeat(2));
    }
    for (const line of app.logLines) expect(digitsSeen(JSON.stringify(JSON.parse(line)))).not.toContain(pan.slice(0, 12));
  });

  it.each([
    ['an oversized report', JSON.stringify({ 'csp-report': { 'document-uri': 'x'.repeat(9000) } }), 'application/csp-report', 413],
    ['a report of the wrong shape', JSON.stringify({ hello: 'world' }), 'application/csp-report', 400],
    ['another content type', LEGACY, 'text/plain', 415],
  ])('refuses %s', async (_name, body, contentType, status) => {
    const app = await startApp();
    const res = await report(app, body, contentType);
    expect(res.status).toBe(status);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
    expect(await app.cspReports.listSince(0)).toEqual([]);
  });

  it('is rate-limited', async () => {
    const cspReports = 3;
    const app = await startApp({
      rateLimits: { windowMs: 60_000, api: 100, checkout: 100, orders: 100, cspReports, sellerAuth: 100, accountSessions: 100 },
    });
    for (let i = 0; i < cspReports; i++) expect((await report(app, LEGACY, 'application/csp-report')).status).toBe(204);
    const res = await report(app, LEGACY, 'application/csp-report');
    expect(res.status).toBe(429);
    expect(Object.keys(res.json() as object)).toEqual(['error']);
  });
});

describe('CSP report flood', () => {
  // Behind one proxy (TRUST_PROXY=1) the client is the address in X-Forwarded-For, as for the rate limits.
  const from = (address: string) => ({ 'X-Forwarded-For': address });
  const floodBatch = (request: number) =>
    JSON.stringify(
      Array.from({ length: 20 }, (_, i) => ({
        type: 'csp-violation',
        body: {
          documentURL: `https://localhost/page-${request}-${i}`,
          effectiveDirective: 'img-src',
          blockedURL: `https://flood-${i}.example/x.gif`,
        },
      })),
    );

  it('keeps a genuine report, with its first-seen time, through one client sending 29 requests of 20 reports; counts and logs the flood', async () => {
    const app = await startApp({ trustProxyHops: 1 });
    expect((await report(app, LEGACY, 'application/csp-report', from('203.0.113.7'))).status).toBe(204);
    const [genuine] = await app.cspReports.listSince(0);

    const requests = 29;
    for (let request = 0; request < requests; request++) {
      expect((await report(app, floodBatch(request), 'application/reports+json', from('198.51.100.9'))).status).toBe(204);
    }
    // Another client is not held to the flooder's quota.
    expect((await report(app, REPORTING_API, 'application/reports+json', from('192.0.2.1'))).status).toBe(204);

    const stored = await app.cspReports.listSince(0);
    expect(stored.find((row) => row.documentUrl === 'https://localhost/success')).toEqual(genuine);
    expect(stored.filter((row) => row.documentUrl.startsWith('https://localhost/page-'))).toHaveLength(DEFAULT_CSP_REPORT_QUOTA.perClient);
    expect(stored.some((row) => row.directive === 'connect-src')).toBe(true);
    const kept = requests * 20 - DEFAULT_CSP_REPORT_QUOTA.perClient;
    expect((await app.cspReports.listDropsSince(0)).map(({ reason, count }) => ({ reason, count }))).toEqual([
      { reason: 'over-quota', count: kept },
    ]);
    const floodLines = logged(app).filter((l) => l.msg.startsWith('CSP reports not stored'));
    expect(new Set(floodLines.map((l) => l.client))).toEqual(new Set(['198.51.100.9']));
    expect(floodLines.reduce((sum, l) => sum + (l.keptOut ?? 0), 0)).toBe(kept);
  }, 60_000);
});
