// The audit: grades a deployment with the graders people trust and says pass or fail.
// Each check returns rows; the CLI (cli.ts) prints them and writes the JSON report.
import { installedTlsScanners } from '../../test-support/tls-scanners';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { evaluateCsp, seriousCspFindings } from './csp-grade';
import type { ScriptInventory } from '../build/script-inventory';
import { collectLoadedScripts, type LoadedScript } from './loaded-scripts';
import { OBSERVATORY_TARGET_SCORE, runObservatory } from './observatory';
import { crossOriginIsolationProblems, fetchHeaders } from './page-headers';
import { scanForCardNumbers } from './pan-scan';
import { needsSellerSession } from './payment-pages';
import { signInWithEnrolLink, type SellerSession } from './seller-session';
import { isForwardSecretAead, probeTls, targetFromUrl } from '../../test-support/tls-probe';

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
  /** Paths of the pages to grade, e.g. ['/', '/success', '/seller']. */
  pages: string[];
  /** Paths of the pages whose loaded scripts are checked against the inventory (the payment pages). */
  scriptPages: string[];
  /** A one-time enrolment link (`npm run seller -- add <email>`): the audit signs in with it to grade seller-only pages. */
  sellerEnrolLink?: URL;
  /** Without a link: adds a seller and gives its link (a local app only, see local-seller.ts). */
  addSeller?: () => Promise<URL>;
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
  // The external scanners are slow (testssl.sh: minutes on a busy machine) and mostly wait on
  // their own processes: run them alongside the other checks.
  const external = externalTlsScanners(options.baseUrl, options.ca);
  const rows: AuditRow[] = [];
  rows.push(...(await auditTls(options)));
  const session = options.pages.some(needsSellerSession) ? await sellerSession(options) : null;
  for (const pagePath of options.pages) {
    const pageUrl = new URL(pagePath, options.baseUrl);
    if (!needsSellerSession(pagePath)) rows.push(...(await auditPage(pageUrl, options)));
    else if (typeof session === 'string') rows.push(unsignedPage(pageUrl, session));
    else rows.push(...(await auditPage(pageUrl, options, session ?? undefined)));
  }
  rows.push(await auditScripts(options));
  rows.push(await auditPanAtRest(options));
  rows.push(...(await external));
  return rows;
}

export function auditPassed(rows: AuditRow[]): boolean {
  return rows.every((row) => row.verdict !== 'fail');
}

async function auditTls(options: AuditOptions): Promise<AuditRow[]> {
  const target = options.baseUrl.host;
  const result = await probeTls(targetFromUrl(options.baseUrl, options.ca));
  const offered = Object.entries(result.versions)
    .filter(([, ok]) => ok)
    .map(([version]) => version);
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
      detail:
        weakSuites.length === 0
          ? `${result.tls12Suites.length + result.tls13Suites.length} suites, all forward-secret AEAD`
          : `without forward secrecy or AEAD: ${weakSuites.join(', ')}`,
      data: { tls12: result.tls12Suites, tls13: result.tls13Suites },
    },
    {
      check: 'TLS cipher order',
      target,
      verdict: result.serverOrder.every((order) => order.serverChooses) ? 'pass' : 'fail',
      detail:
        result.serverOrder.length === 0
          ? 'one suite per version: nothing to choose'
          : result.serverOrder
              .map(
                (order) =>
                  `${order.version}: ${order.serverChooses ? `the server chooses (${order.chosen[0] ?? ''})` : `the client chooses (${order.chosen.join(' / ')})`}`,
              )
              .join('; '),
      data: result.serverOrder,
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

/** A seller session for the seller-only pages, or why there is none. */
export async function sellerSession(options: Pick<AuditOptions, 'sellerEnrolLink' | 'addSeller' | 'ca'>): Promise<SellerSession | string> {
  if (options.sellerEnrolLink) {
    return signInWithEnrolLink(options.sellerEnrolLink, options.ca).catch(
      (error: Error) => `could not sign in with the link given (--seller-link): ${error.message}; add a seller for a fresh one`,
    );
  }
  const { addSeller } = options;
  if (!addSeller) {
    return 'a seller-only page: pass --seller-link with a fresh link from `npm run seller -- add <email>` so the audit can sign in';
  }
  let link: URL;
  try {
    link = await addSeller();
  } catch (error) {
    return `could not add a seller as \`npm run seller -- add\` does: ${error instanceof Error ? error.message : String(error)}`;
  }
  return signInWithEnrolLink(link, options.ca).catch(
    (error: Error) =>
      `could not sign in as the seller the audit added: ${error.message}; is the app using these settings (DATABASE_URL)? Or pass --seller-link`,
  );
}

function unsignedPage(pageUrl: URL, problem: string): AuditRow {
  return { check: 'MDN HTTP Observatory', target: pageUrl.pathname, verdict: 'fail', detail: `not graded: ${problem}` };
}

async function auditPage(pageUrl: URL, options: AuditOptions, session?: SellerSession): Promise<AuditRow[]> {
  const target = pageUrl.pathname;
  const observatory = await runObservatory(pageUrl, options.httpPort, session);
  const landed = new URL(observatory.finalUrl).pathname;
  const failing = [
    ...observatory.tests.filter((test) => !test.pass).map((test) => `${test.name}: ${test.result}`),
    // A seller page answers a visitor without a session with the sign-in page: that is not the page.
    ...(landed === target ? [] : [`ended at ${landed}, not ${target}`]),
  ];
  const cookies = observatory.tests.find((test) => test.name === 'cookies');
  const { headers } = await fetchHeaders(pageUrl, options.ca, session?.cookie);
  const policy = headers['content-security-policy'];
  const findings = policy ? seriousCspFindings(evaluateCsp(policy)) : [];
  const isolation = crossOriginIsolationProblems(headers);
  return [
    {
      check: 'MDN HTTP Observatory',
      target,
      verdict: observatory.score >= OBSERVATORY_TARGET_SCORE && failing.length === 0 ? 'pass' : 'fail',
      detail: `${observatory.grade}, ${observatory.score}/${OBSERVATORY_TARGET_SCORE}; cookies: ${cookies?.result ?? 'not run'}${
        session ? ' (signed in)' : ''
      }${failing.length ? `; failing: ${failing.join('; ')}` : ''}${bonusesMissed(observatory.tests)}`,
      data: observatory,
    },
    {
      check: 'CSP Evaluator',
      target,
      verdict: policy && findings.length === 0 ? 'pass' : 'fail',
      detail: !policy
        ? 'no Content-Security-Policy header'
        : findings.length === 0
          ? 'no finding above INFO'
          : findings.map((f) => `${f.severity} ${f.directive}: ${f.description}`).join('; '),
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
  const pageUrls = options.scriptPages.map((page) => new URL(page, options.baseUrl));
  const scripts = await collectLoadedScripts(pageUrls, {
    ignoreHttpsErrors: options.ca !== undefined,
    stripeEmulatorOrigin: options.stripeEmulatorOrigin,
  });
  const unapproved = scripts.filter((script) => !isApproved(script, options.inventory));
  return {
    check: 'Scripts match the inventory',
    target: `${pageUrls.length} pages`,
    verdict: unapproved.length === 0 ? 'pass' : 'fail',
    detail:
      unapproved.length === 0
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
    detail:
      findings.length > 0 || problems.length > 0
        ? [...found, ...problems].join('; ')
        : `${scanned.length} files scanned, none holds a card number`,
    data: { scanned, findings, problems },
  };
}

/** The scanners that ride along where Debian's packages are installed, and their rows. */
async function externalTlsScanners(baseUrl: URL, ca: string | undefined): Promise<AuditRow[]> {
  const hostPort = `${baseUrl.hostname}:${baseUrl.port || 443}`;
  const installed = installedTlsScanners();
  return Promise.all(
    installed.map(({ tool, check }) => (tool === 'sslscan' ? runSslscan(check, hostPort) : runTestssl(check, hostPort, ca))),
  );
}

const run = promisify(execFile);

async function runSslscan(check: string, hostPort: string): Promise<AuditRow> {
  const output = await run('sslscan', ['--no-colour', hostPort], { timeout: 120_000 }).then(
    (result) => result.stdout,
    (error: Error) => `failed: ${error.message}`,
  );
  const problems = externalScanProblems(output);
  return {
    check,
    target: hostPort,
    verdict: problems.length ? 'fail' : 'pass',
    detail: problems.length ? `reports ${problems.join('; ')}` : 'no legacy protocol or weak suite reported',
    data: output,
  };
}

/**
 * testssl.sh's protocol and server-preference checks (`--protocols --server-preference`:
 * offered versions, whether the server has a cipher order, and that order per protocol),
 * graded from its JSON findings. Only these two: each testssl.sh check is a few dozen
 * handshakes driven from bash, and the suites themselves are already enumerated by our
 * probe and sslscan. Measured on the two-core development machine under load: 90-220 s.
 */
async function runTestssl(check: string, hostPort: string, ca: string | undefined): Promise<AuditRow> {
  const dir = await mkdtemp(path.join(tmpdir(), 'audit-testssl-'));
  try {
    const jsonFile = path.join(dir, 'findings.json');
    const caArgs = ca ? ['--add-ca', path.join(dir, 'ca.pem')] : [];
    if (ca) await writeFile(path.join(dir, 'ca.pem'), ca);
    const started = Date.now();
    const failure = await run(
      'testssl',
      [
        '--quiet',
        '--color',
        '0',
        '--warnings',
        'off',
        '--nodns',
        'none',
        '--protocols',
        '--server-preference',
        ...caArgs,
        '--jsonfile',
        jsonFile,
        hostPort,
      ],
      { timeout: 300_000 },
    ).then(
      () => null,
      (error: Error) => error.message,
    );
    const findings = failure === null ? parseTestsslJson(await readFile(jsonFile, 'utf8')) : null;
    if (!findings)
      return { check, target: hostPort, verdict: 'fail', detail: `testssl.sh failed: ${failure ?? 'its JSON file could not be read'}` };
    const graded = gradeTestsslFindings(findings);
    const seconds = Math.round((Date.now() - started) / 1000);
    return {
      check,
      target: hostPort,
      verdict: graded.problems.length ? 'fail' : graded.unchecked.length ? 'warn' : 'pass',
      detail: [
        graded.problems.length ? `reports ${graded.problems.join('; ')}` : 'nothing MEDIUM or above',
        graded.unchecked.length ? `could not check ${graded.unchecked.join('; ')}` : '',
        graded.excused.length ? `excused for the development CA: ${graded.excused.join('; ')}` : '',
        `${seconds} s`,
      ]
        .filter(Boolean)
        .join('; '),
      data: findings,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TestsslFinding {
  id: string;
  severity: string;
  finding: string;
}

/** testssl.sh's flat JSON (`--jsonfile`): an array of `{ id, severity, finding, ... }`. */
export function parseTestsslJson(text: string): TestsslFinding[] | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return null;
    return parsed.filter(
      (item): item is TestsslFinding =>
        typeof item === 'object' &&
        item !== null &&
        typeof item.id === 'string' &&
        typeof item.severity === 'string' &&
        typeof item.finding === 'string',
    );
  } catch {
    return null;
  }
}

const FAILING_SEVERITIES = new Set(['MEDIUM', 'HIGH', 'CRITICAL']);

/**
 * Findings a certificate from the development CA cannot avoid, and nothing else: it has no
 * CRL distribution point or OCSP responder (there is no revocation service for a CA that
 * lives in .certs/), so it cannot staple either. Trust-chain findings are NOT excused: the
 * audit hands testssl.sh the development CA (--add-ca), so an untrusted chain is real.
 */
export const EXCUSED_TESTSSL_FINDINGS = /^(cert_crlDistributionPoints|cert_ocspURL|OCSP_stapling|cert_revocation)(\b|_)/;

export function gradeTestsslFindings(findings: TestsslFinding[]): { problems: string[]; excused: string[]; unchecked: string[] } {
  const describe = (f: TestsslFinding) => `${f.severity} ${f.id}: ${f.finding}`;
  const serious = findings.filter((f) => FAILING_SEVERITIES.has(f.severity));
  return {
    problems: serious.filter((f) => !EXCUSED_TESTSSL_FINDINGS.test(f.id)).map(describe),
    excused: serious.filter((f) => EXCUSED_TESTSSL_FINDINGS.test(f.id)).map(describe),
    // testssl.sh says WARN when it could not run a check (a timeout, a missing feature).
    unchecked: findings.filter((f) => f.severity === 'WARN').map(describe),
  };
}

/** What sslscan's output (or testssl.sh's text) says is wrong: legacy protocols, weak suites. */
export function externalScanProblems(output: string): string[] {
  // sslscan prints "TLSv1.0   enabled" and "Accepted  TLSv1.2  128 bits  ECDHE-…"; testssl "TLS 1.1    offered".
  const legacy = /(SSLv[23]|TLSv?\s?1(\.[01])?)\s+(enabled|offered)/i.test(output);
  const weak = [...output.matchAll(/(?:Preferred|Accepted)\s+TLSv1\.[0-3]\s+\d+ bits\s+(\S+)/g)]
    .map((match) => match[1] ?? '')
    .filter((suite) => !isForwardSecretAead(suite));
  return [
    ...(legacy ? ['a legacy protocol enabled'] : []),
    ...(weak.length ? [`suites without forward secrecy or AEAD: ${weak.join(', ')}`] : []),
  ];
}
