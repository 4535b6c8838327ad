// The audit: grades a deployment with the graders people trust and says pass or fail.
// Each check returns rows; the CLI (cli.ts) prints them and writes the JSON report.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { evaluateCsp, seriousCspFindings } from './csp-grade';
import type { ScriptInventory } from '../build/script-inventory';
import { collectLoadedScripts, type LoadedScript } from './loaded-scripts';
import { OBSERVATORY_TARGET_SCORE, runObservatory } from './observatory';
import { crossOriginIsolationProblems, fetchHeaders } from './page-headers';
import { scanForCardNumbers } from './pan-scan';
import { isForwardSecretAead, probeTls, targetFromUrl } from './tls-probe';

export type Verdict = 'pass' | 'warn' | 'fail';

export interface AuditRow {
  check: string;
  target: string;
  verdict: Verdict;
  detail: string;
  data?: unknown;
}

export interface AuditOptions {
  baseUrl: URL;
  /** The plain-HTTP port that should redirect to HTTPS (null: 80). */
  httpPort: number | null;
  /** Paths of the payment pages to grade, e.g. ['/', '/success', '/cancel']. */
  pages: string[];
  /** PEM of an extra CA to trust (the development CA). */
  ca?: string;
  /** Files and folders to scan for card numbers. */
  panScanPaths: string[];
  /** The approved script inventory (security/script-inventory.json), per page route. */
  inventory: ScriptInventory;
  /** For an app in emulated mode: the emulator origin that stands in for Stripe's in the browser. */
  stripeEmulatorOrigin?: string;
}

const ONE_YEAR_SECONDS = 31_536_000;
const CERT_WARN_DAYS = 30;

export async function runAudit(options: AuditOptions): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  rows.push(...(await auditTls(options)));
  for (const pagePath of options.pages) rows.push(...(await auditPage(new URL(pagePath, options.baseUrl), options)));
  rows.push(await auditScripts(options));
  rows.push(await auditPanAtRest(options));
  rows.push(...(await externalTlsScanners(options.baseUrl)));
  return rows;
}

export function auditPassed(rows: AuditRow[]): boolean {
  return rows.every((row) => row.verdict !== 'fail');
}

async function auditTls(options: AuditOptions): Promise<AuditRow[]> {
  const target = options.baseUrl.host;
  const result = await probeTls(targetFromUrl(options.baseUrl, options.ca));
  const offered = Object.entries(result.versions).filter(([, ok]) => ok).map(([version]) => version);
  const weakSuites = [...result.tls12Suites, ...result.tls13Suites].filter((suite) => !isForwardSecretAead(suite));
  const { certificate } = result;
  const { headers } = await fetchHeaders(options.baseUrl, options.ca);
  const maxAge = Number(/max-age=(\d+)/i.exec(headers['strict-transport-security'] ?? '')?.[1] ?? 0);
  return [
    {
      check: 'TLS versions',
      target,
      verdict: offered.join(',') === 'TLSv1.2,TLSv1.3' ? 'pass' : 'fail',
      detail: `offered: ${offered.join(', ') || 'none'} (want exactly TLSv1.2, TLSv1.3)`,
      data: result.versions,
    },
    {
      check: 'TLS cipher suites',
      target,
      verdict: weakSuites.length === 0 && result.tls12Suites.length > 0 ? 'pass' : 'fail',
      detail: weakSuites.length === 0 ? `${result.tls12Suites.length + result.tls13Suites.length} suites, all forward-secret AEAD` : `without forward secrecy or AEAD: ${weakSuites.join(', ')}`,
      data: { tls12: result.tls12Suites, tls13: result.tls13Suites },
    },
    {
      check: 'TLS certificate',
      target,
      verdict: !certificate.trusted ? 'fail' : certificate.daysToExpiry < CERT_WARN_DAYS ? 'warn' : 'pass',
      detail: certificate.trusted
        ? `${certificate.names.join(', ')}; chain of ${certificate.chainLength}; expires in ${certificate.daysToExpiry} days`
        : `not trusted: ${certificate.trustError ?? 'unknown'}`,
      data: certificate,
    },
    {
      check: 'HSTS',
      target,
      verdict: maxAge >= ONE_YEAR_SECONDS ? 'pass' : 'fail',
      detail: `${headers['strict-transport-security'] ? `Strict-Transport-Security: ${headers['strict-transport-security']}` : 'no Strict-Transport-Security header'}${
        // The app's development headers (a loopback PUBLIC_URL) send max-age=0 on purpose.
        maxAge < ONE_YEAR_SECONDS ? '; the audit grades production headers: start the app with SECURITY_HEADERS=production' : ''
      }`,
    },
  ];
}

async function auditPage(pageUrl: URL, options: AuditOptions): Promise<AuditRow[]> {
  const target = pageUrl.pathname;
  const observatory = await runObservatory(pageUrl, options.httpPort);
  const failing = observatory.tests.filter((test) => !test.pass).map((test) => `${test.name}: ${test.result}`);
  const { headers } = await fetchHeaders(pageUrl, options.ca);
  const policy = headers['content-security-policy'];
  const findings = policy ? seriousCspFindings(evaluateCsp(policy)) : [];
  const isolation = crossOriginIsolationProblems(headers);
  return [
    {
      check: 'MDN HTTP Observatory',
      target,
      verdict: observatory.score >= OBSERVATORY_TARGET_SCORE && failing.length === 0 ? 'pass' : 'fail',
      detail: `${observatory.grade}, ${observatory.score}/${OBSERVATORY_TARGET_SCORE}${failing.length ? `; failing: ${failing.join('; ')}` : ''}${bonusesMissed(observatory.tests)}`,
      data: observatory,
    },
    {
      check: 'CSP Evaluator',
      target,
      verdict: policy && findings.length === 0 ? 'pass' : 'fail',
      detail: !policy ? 'no Content-Security-Policy header' : findings.length === 0 ? 'no finding above INFO' : findings.map((f) => `${f.severity} ${f.directive}: ${f.description}`).join('; '),
      data: findings,
    },
    {
      check: 'No cross-origin isolation',
      target,
      verdict: isolation.length === 0 ? 'pass' : 'fail',
      detail: isolation.length === 0 ? 'no COEP; COOP allows Stripe popups' : isolation.join('; '),
    },
  ];
}

function bonusesMissed(tests: { name: string; result: string | null; scoreModifier: number }[]): string {
  const zero = tests.filter((test) => test.scoreModifier === 0 && ['subresource-integrity', 'content-security-policy'].includes(test.name));
  return zero.length ? `; no bonus from ${zero.map((test) => `${test.name} (${test.result})`).join(', ')}` : '';
}

async function auditScripts(options: AuditOptions): Promise<AuditRow> {
  const pageUrls = options.pages.map((page) => new URL(page, options.baseUrl));
  const scripts = await collectLoadedScripts(pageUrls, { ignoreHttpsErrors: options.ca !== undefined, stripeEmulatorOrigin: options.stripeEmulatorOrigin });
  const unapproved = scripts.filter((script) => !isApproved(script, options.inventory));
  return {
    check: 'Scripts match the inventory',
    target: `${pageUrls.length} pages`,
    verdict: unapproved.length === 0 ? 'pass' : 'fail',
    detail: unapproved.length === 0
      ? `${scripts.length} scripts loaded, each in the approved inventory`
      : `not in the approved inventory: ${unapproved.map((s) => `${s.url} (${s.sha384 ?? 'no body'}) on ${s.page}`).join(', ')}`,
    data: scripts,
  };
}

/** First-party scripts must match path and hash; third-party ones (Stripe.js) origin and path. */
export function isApproved(script: LoadedScript, inventory: ScriptInventory): boolean {
  const loaded = new URL(script.url);
  return (inventory[script.page] ?? []).some((entry) => {
    if (entry.firstParty) return script.firstParty && loaded.pathname === entry.url && script.sha384 === entry.sha384;
    const approved = new URL(entry.url);
    return !script.firstParty && loaded.origin === approved.origin && loaded.pathname === approved.pathname;
  });
}

export async function auditPanAtRest(options: Pick<AuditOptions, 'panScanPaths'>): Promise<AuditRow> {
  const { scanned, findings, problems } = await scanForCardNumbers(options.panScanPaths);
  const found = findings.map((f) => `${f.file}: ${f.masked.join(', ')}`);
  return {
    check: 'No card numbers at rest',
    target: options.panScanPaths.join(', '),
    verdict: findings.length === 0 && problems.length === 0 ? 'pass' : 'fail',
    detail: findings.length > 0 || problems.length > 0 ? [...found, ...problems].join('; ') : `${scanned.length} files scanned, none holds a card number`,
    data: { scanned, findings, problems },
  };
}

/** testssl.sh or sslscan, where Debian's packages are installed: their findings ride along. */
async function externalTlsScanners(baseUrl: URL): Promise<AuditRow[]> {
  const run = promisify(execFile);
  const hostPort = `${baseUrl.hostname}:${baseUrl.port || 443}`;
  const rows: AuditRow[] = [];
  for (const [tool, args] of [
    ['sslscan', ['--no-colour', hostPort]],
    ['testssl', ['--quiet', '--color', '0', '--protocols', hostPort]],
  ] as const) {
    const output = await run(tool, [...args], { timeout: 120_000 }).then(
      (result) => result.stdout,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : `failed: ${error.message}`),
    );
    if (output === null) continue;
    const problems = externalScanProblems(output);
    rows.push({ check: `${tool} (Debian)`, target: hostPort, verdict: problems.length ? 'fail' : 'pass', detail: problems.length ? `reports ${problems.join('; ')}` : 'no legacy protocol or weak suite reported', data: output });
  }
  return rows;
}

/** What sslscan or testssl.sh output says is wrong: legacy protocols, weak suites. */
export function externalScanProblems(output: string): string[] {
  // sslscan prints "TLSv1.0   enabled" and "Accepted  TLSv1.2  128 bits  ECDHE-…"; testssl "TLS 1.1    offered".
  const legacy = /(SSLv[23]|TLSv?\s?1(\.[01])?)\s+(enabled|offered)/i.test(output);
  const weak = [...output.matchAll(/(?:Preferred|Accepted)\s+TLSv1\.[0-3]\s+\d+ bits\s+(\S+)/g)]
    .map((match) => match[1] ?? '')
    .filter((suite) => !isForwardSecretAead(suite));
  return [...(legacy ? ['a legacy protocol enabled'] : []), ...(weak.length ? [`suites without forward secrecy or AEAD: ${weak.join(', ')}`] : [])];
}
