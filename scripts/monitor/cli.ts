// `npm run monitor -- [https-url] [options]`: change and tamper detection for the payment
// pages (PCI DSS 11.6.1). Compares each page's security headers and every script in its HTML
// (ours, third parties', inline) with the approved baseline and alerts on any difference:
// exit code 1, an error-level log line, and an optional JSON POST to an alert URL. With
// `--csp-reports`, violations browsers reported to the app within the window are alerts too,
// and so is a report flood: reports the app refused or evicted (over a client's quota, or the
// table full), which could hide one. `--every 7d` keeps watching (PCI asks for at least weekly).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CERT_DIR } from '../../common/dev-certs';
import { httpsPostJson } from '../lib/https-client';
import { parseDatabaseUrl } from '../../server/src/config';
import { PUBLIC_PAGE_ROUTES } from '../../common/pages';
import { readCspReportDropsSince, readCspReportsSince } from '../../server/src/store/csp-report-store';
import type { DatabaseLocation } from '../../server/src/store/database';
import { comparePage, type Baseline } from './compare';
import { snapshotPage } from './page-snapshot';

const HELP = `Usage: npm run monitor -- [https-url] [options]

  --page PATH       a page to watch (repeatable; default every page the server serves)
  --baseline FILE   the approved baseline (default security/monitor-baseline.json)
  --approve         record the pages as they are now as the baseline, then stop
  --every DURATION  keep checking, e.g. 7d, 12h, 30m (default: check once)
  --alert-url URL   also POST each alert as JSON to this https:// URL
  --csp-reports DB  the app's database, as its DATABASE_URL (file:… or postgres://…) or a
                    SQLite file path, read-only: new CSP violation reports count as alerts too,
                    and so does a report flood (reports the app refused or evicted)
  --since DURATION  how far back a violation is new (default: --every, else 7d)
  --ca FILE         extra CA to trust (default .certs/dev-ca.pem for localhost)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    page: { type: 'string', multiple: true },
    baseline: { type: 'string' },
    approve: { type: 'boolean' },
    every: { type: 'string' },
    'alert-url': { type: 'string' },
    'csp-reports': { type: 'string' },
    since: { type: 'string' },
    ca: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const logger = pino({ name: 'payment-page-monitor' });
const baseUrl = new URL(positionals[0] ?? 'https://localhost:4242');
const isLocal = ['localhost', '127.0.0.1', '[::1]'].includes(baseUrl.hostname);
const caFile = values.ca ?? (isLocal ? path.join(DEFAULT_CERT_DIR, 'dev-ca.pem') : undefined);
const ca = caFile && existsSync(caFile) ? readFileSync(caFile, 'utf8') : undefined;
// Every page anyone may load, from the one page list: a page added there is watched without an edit
// here. A seller page is left out: it would only answer the monitor with its sign-in redirect.
const pages = values.page ?? [...PUBLIC_PAGE_ROUTES];
const baselineFile = values.baseline ?? path.join('security', 'monitor-baseline.json');
const alertUrl = values['alert-url'] ? new URL(values['alert-url']) : undefined;
if (alertUrl && alertUrl.protocol !== 'https:') {
  process.stderr.write(`--alert-url must be https:// (got ${alertUrl.href}).\n`);
  process.exit(2);
}
const cspReportsDatabase = parseCspReportsDatabase(values['csp-reports']);

async function snapshotAll(): Promise<Baseline> {
  const snapshots: Baseline = {};
  for (const page of pages) snapshots[page] = await snapshotPage(new URL(page, baseUrl), { ca });
  return snapshots;
}

async function checkOnce(): Promise<boolean> {
  if (!existsSync(baselineFile))
    throw new Error(`No baseline at ${baselineFile}. Record one with \`npm run monitor -- ${baseUrl.href} --approve\` and commit it.`);
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as Baseline;
  const current = await snapshotAll();
  const differences = pages.flatMap((page) => {
    const snapshot = current[page];
    return snapshot ? comparePage(baseline[page], snapshot) : [`${page}: could not be fetched`];
  });
  differences.push(...(await newCspViolations()));
  if (differences.length === 0) {
    logger.info({ target: baseUrl.href, pages }, 'payment pages match the approved baseline');
    return true;
  }
  const alert = { alert: 'payment-page-changed', target: baseUrl.href, at: new Date().toISOString(), differences };
  logger.error(alert, 'payment pages differ from the approved baseline');
  if (alertUrl) {
    await httpsPostJson(alertUrl, alert, { ca }).catch((error: unknown) =>
      logger.error({ err: error, alertUrl: alertUrl.href }, 'alert POST failed'),
    );
  }
  return false;
}

if (values.approve) {
  const snapshots = await snapshotAll();
  mkdirSync(path.dirname(baselineFile), { recursive: true });
  writeFileSync(baselineFile, `${JSON.stringify(snapshots, null, 2)}\n`);
  logger.info({ baselineFile, pages }, 'baseline recorded: review it with git diff and commit it to approve');
} else if (values.every) {
  const intervalMs = parseDuration(values.every);
  for (;;) {
    await checkOnce().catch((error: unknown) => logger.error({ err: error }, 'monitor check failed'));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
} else {
  process.exitCode = (await checkOnce()) ? 0 : 1;
}

/** Violations browsers reported to /csp-reports within the window, one line each, then any report flood. */
async function newCspViolations(): Promise<string[]> {
  if (!cspReportsDatabase) return [];
  const windowMs = parseDuration(values.since ?? values.every ?? '7d');
  const since = Math.floor((Date.now() - windowMs) / 1000);
  const violations = (await readCspReportsSince(cspReportsDatabase, since)).map(
    (report) =>
      `CSP violation on ${report.documentUrl}: ${report.directive} blocked ${report.blockedUrl || '(unknown)'} (${report.count}×, first ${isoTime(report.firstSeen)}, last ${isoTime(report.lastSeen)})`,
  );
  const drops = await readCspReportDropsSince(cspReportsDatabase, since);
  if (drops.length === 0) return violations;
  const total = drops.reduce((sum, drop) => sum + drop.count, 0);
  const reasons = drops.map((drop) => `${drop.reason} ${drop.count}`).join(', ');
  const first = Math.min(...drops.map((drop) => drop.firstSeen));
  const last = Math.max(...drops.map((drop) => drop.lastSeen));
  return [
    ...violations,
    `CSP report flood: ${total} reports not kept (${reasons}) between ${isoTime(first)} and ${isoTime(last)}; a violation may be among them: find the client in the app's log ("CSP reports not stored")`,
  ];
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A DATABASE_URL as the app takes it, or (as before) a bare SQLite file path. */
function parseCspReportsDatabase(value: string | undefined): DatabaseLocation | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith('file:') && !value.includes('://')) return { engine: 'sqlite', file: path.resolve(value) };
  const location = parseDatabaseUrl(value);
  if (typeof location === 'string') {
    process.stderr.write(`--csp-reports: ${location}\n`);
    process.exit(2);
  }
  return location;
}

function parseDuration(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text);
  if (!match) {
    process.stderr.write(`--every and --since take a number and a unit (m, h or d), e.g. 7d; got ${text}.\n`);
    process.exit(2);
  }
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
