// POST /csp-reports in both report formats: size-limited, rate-limited, logged and stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ rateLimits: { windowMs: 60_000, api: 100, checkout: 100, orders: 100, cspReports: 6 } });
});
afterAll(async () => {
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
    expect((await app.cspReports.listSince(0)).map(({ documentUrl, directive, blockedUrl, count }) => ({ documentUrl, directive, blockedUrl, count }))).toEqual([
      { documentUrl: 'https://localhost/', directive: 'connect-src', blockedUrl: 'https://evil.example/beacon', count: 1 },
      { documentUrl: 'https://localhost/success', directive: 'script-src-elem', blockedUrl: 'https://evil.example/x.js', count: 1 },
    ]);
  });

  it('stores a report carrying a card number in any form with the number masked, and logs none of it', async () => {
    const pan = '4000056655665556';
    const groups = pan.match(/.{4}/g)!;
    const fullWidth = (digits: string) => [...digits].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join('');
    // The forms the security review got stored and logged: . _ / + tab, two spaces, NBSP, %20, full-width digits.
    const forms = [...['.', '_', '/', '+', '\t', '  ', '\u00a0', '%20'].map((separator) => groups.join(separator)), groups.map(fullWidth).join(' ')];
    const reports = forms.map((form) => ({
      type: 'csp-violation',
      body: { documentURL: form, effectiveDirective: 'connect-src', blockedURL: `https://evil.example/c/${form}?n=${form}` },
    }));
    const linesBefore = app.logLines.length;
    const res = await report(JSON.stringify(reports), 'application/reports+json');
    expect(res.status).toBe(204);

    // What a reader of the row or the log line would see once escapes and digit forms are undone.
    const digitsSeen = (text: string) => decodeURIComponent(decodeURIComponent(text)).normalize('NFKC').replace(/\D/g, '');
    const stored = (await app.cspReports.listSince(0)).filter((row) => row.blockedUrl.startsWith('https://evil.example/c/'));
    expect(stored).toHaveLength(forms.length);
    for (const row of stored) {
      expect(digitsSeen(row.documentUrl), row.documentUrl).toBe(pan.slice(-4));
      expect(digitsSeen(row.blockedUrl), row.blockedUrl).toBe(pan.slice(-4));
    }
    const lines = app.logLines.slice(linesBefore).map((line) => JSON.parse(line) as { msg: string; cspViolation?: Record<string, string> });
    const logged = lines.filter((line) => line.msg === 'CSP violation reported').map((line) => line.cspViolation!);
    expect(logged).toHaveLength(forms.length);
    for (const violation of logged) {
      expect(digitsSeen(violation['documentUrl']!)).toBe(pan.slice(-4));
      expect(digitsSeen(violation['blockedUrl']!)).toBe(pan.slice(-4).repeat(2));
    }
    for (const line of app.logLines.slice(linesBefore)) expect(digitsSeen(JSON.stringify(JSON.parse(line)))).not.toContain(pan.slice(0, 12));
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
    // Six allowed per window in this app; the tests above used them up.
    const res = await report(LEGACY, 'application/csp-report');
    expect(res.status).toBe(429);
  });
});
