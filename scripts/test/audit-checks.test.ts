import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluateCsp, seriousCspFindings } from '../audit/csp-grade';
import { crossOriginIsolationProblems } from '../audit/page-headers';
import { auditPanAtRest, externalScanProblems, gradeTestsslFindings, isApproved, parseTestsslJson } from '../audit/run-audit';
import { EXTERNAL_TLS_SCANNERS, installedTlsScanners } from '../../test-support/tls-scanners';
import { WHAT_TO_SCAN, findCardNumbers, scanForCardNumbers } from '../audit/pan-scan';

describe('CSP Evaluator grading', () => {
  const strict =
    "default-src 'none'; script-src 'nonce-q3Xv1C2d8fYt0mKpL9sZ0w==' 'strict-dynamic' https: 'unsafe-inline'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

  it('finds nothing above INFO in a nonce + strict-dynamic policy with CSP2 fallbacks', () => {
    expect(seriousCspFindings(evaluateCsp(strict))).toEqual([]);
  });

  it.each([
    ["script-src 'unsafe-inline'; object-src 'none'; base-uri 'none'", 'script-src'],
    ["script-src 'nonce-q3Xv1C2d8fYt0mKpL9sZ0w==' 'strict-dynamic'; base-uri 'none'", 'object-src'],
    ["script-src 'nonce-q3Xv1C2d8fYt0mKpL9sZ0w==' 'strict-dynamic'; object-src 'none'", 'base-uri'],
    ["script-src https://js.stripe.com 'unsafe-eval'; object-src 'none'; base-uri 'none'", 'script-src'],
  ])('flags a weak policy: %s', (policy, directive) => {
    expect(seriousCspFindings(evaluateCsp(policy)).map((f) => f.directive)).toContain(directive);
  });
});

describe('cross-origin isolation check', () => {
  it('accepts no COEP and COOP same-origin-allow-popups', () => {
    expect(crossOriginIsolationProblems({ 'cross-origin-opener-policy': 'same-origin-allow-popups' })).toEqual([]);
  });
  it.each(['require-corp', 'credentialless', 'unsafe-none'])('refuses any COEP header (%s)', (value) => {
    expect(crossOriginIsolationProblems({ 'cross-origin-embedder-policy': value })).toHaveLength(1);
  });
  it('refuses COOP same-origin, which cuts Stripe popups off', () => {
    expect(crossOriginIsolationProblems({ 'cross-origin-opener-policy': 'same-origin' })).toHaveLength(1);
  });
});

describe('card numbers at rest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pan-scan-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a card number in a nested file, grouped or not, and reports it masked', async () => {
    await writeFile(path.join(dir, 'clean.log'), '{"msg":"paid","last4":"4242","time":1795870634264}\n');
    await writeFile(path.join(dir, 'leak.log'), 'binary\u0000page 4000-0566-5566-5556 and 5555555555554444\n');
    const { scanned, findings, problems } = await scanForCardNumbers([dir]);
    expect(scanned.map((file) => path.basename(file)).sort()).toEqual(['clean.log', 'leak.log']);
    expect(findings).toEqual([{ file: path.join(dir, 'leak.log'), masked: ['16 digits ending 5556', '16 digits ending 4444'] }]);
    expect(problems).toEqual([]);
    expect(JSON.stringify(findings)).not.toMatch(/\d{13}/);
  });

  it('finds card numbers written with any separator, percent-encoded or in full-width digits', async () => {
    const pan = '4000056655665556';
    const groups = pan.match(/.{4}/g)!;
    const fullWidth = (digits: string) => [...digits].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join('');
    const forms = ['.', '_', '/', '+', '\t', '  ', '\u00a0', '%20'].map((separator) => groups.join(separator));
    forms.push(groups.map(fullWidth).join(' '), groups.map((group) => encodeURIComponent(fullWidth(group))).join('%20'));
    for (const [index, form] of forms.entries())
      await writeFile(path.join(dir, `leak-${index}.log`), `{"url":"https://evil.example/c?n=${form}"}\n`);
    const { findings } = await scanForCardNumbers([dir]);
    expect(findings.map((finding) => finding.masked)).toEqual(forms.map(() => ['16 digits ending 5556']));
  });

  it('fails, saying what to pass, when it scanned nothing: an empty folder, a missing path, a PostgreSQL URL', async () => {
    for (const paths of [[dir], [path.join(dir, 'no-such.sqlite')], ['postgres://shop@db.internal/shop']]) {
      const row = await auditPanAtRest({ panScanPaths: paths });
      expect(row.verdict, paths.join()).toBe('fail');
      expect(row.detail).toContain(WHAT_TO_SCAN);
    }
  });

  it('fails on a mistyped path even when another path was scanned', async () => {
    await writeFile(path.join(dir, 'app.sqlite'), 'clean');
    const row = await auditPanAtRest({ panScanPaths: [path.join(dir, 'app.sqlite'), path.join(dir, 'logs-typo')] });
    expect(row).toMatchObject({ verdict: 'fail', detail: `${path.join(dir, 'logs-typo')} does not exist: ${WHAT_TO_SCAN}` });
    expect(await auditPanAtRest({ panScanPaths: [path.join(dir, 'app.sqlite')] })).toMatchObject({
      verdict: 'pass',
      detail: '1 files scanned, none holds a card number',
    });
  });

  it('ignores millisecond timestamps, which start with 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000_000_000_000, max: 1_999_999_999_999 }), (ms) => {
        expect(findCardNumbers(`{"time":${ms}}`)).toEqual([]);
      }),
    );
  });
});

describe('loaded scripts against the approved inventory', () => {
  const inventory = {
    '/payment': [
      { url: '/assets/payment-abc.js', sha384: 'sha384-OURS', firstParty: true, justification: 'ours' },
      { url: 'https://js.stripe.com/endive/stripe.js', sha384: null, firstParty: false, justification: 'Stripe.js' },
    ],
  };
  const loaded = (url: string, sha384: string | null, firstParty: boolean, page = '/payment') => ({ page, url, sha384, firstParty });

  it('approves our script with its approved hash and Stripe.js by origin and path', () => {
    expect(isApproved(loaded('https://shop.example/assets/payment-abc.js', 'sha384-OURS', true), inventory)).toBe(true);
    expect(isApproved(loaded('https://js.stripe.com/endive/stripe.js', 'sha384-ANY', false), inventory)).toBe(true);
  });

  it.each([
    ['a changed bundle', loaded('https://shop.example/assets/payment-abc.js', 'sha384-TAMPERED', true)],
    ['an extra first-party script', loaded('https://shop.example/assets/extra.js', 'sha384-OURS', true)],
    ['another third-party script', loaded('https://cdn.example/analytics.js', 'sha384-X', false)],
    ['Stripe.js from another path', loaded('https://js.stripe.com/v2/stripe.js', 'sha384-X', false)],
    ['a script on a page with no inventory', loaded('https://shop.example/assets/payment-abc.js', 'sha384-OURS', true, '/cancel')],
  ])('refuses %s', (_name, script) => {
    expect(isApproved(script, inventory)).toBe(false);
  });
});

describe('sslscan / testssl.sh output', () => {
  const clean = [
    'SSLv3     disabled',
    'TLSv1.0   disabled',
    'TLSv1.1   disabled',
    'TLSv1.2   enabled',
    'TLSv1.3   enabled',
    'Preferred TLSv1.3  128 bits  TLS_AES_128_GCM_SHA256        Curve 25519 DHE 253',
    'Accepted  TLSv1.2  256 bits  ECDHE-ECDSA-AES256-GCM-SHA384 Curve 25519 DHE 253',
  ].join('\n');

  it('finds nothing wrong with a modern server', () => {
    expect(externalScanProblems(clean)).toEqual([]);
    expect(
      externalScanProblems(' TLS 1      not offered\n TLS 1.1    not offered\n TLS 1.2    offered (OK)\n TLS 1.3    offered (OK)'),
    ).toEqual([]);
  });
  it('reports legacy protocols and weak suites', () => {
    expect(externalScanProblems(clean.replace('TLSv1.0   disabled', 'TLSv1.0   enabled'))).toEqual(['a legacy protocol enabled']);
    expect(externalScanProblems(' TLS 1.1    offered (deprecated)')).toEqual(['a legacy protocol enabled']);
    expect(externalScanProblems(`${clean}\nAccepted  TLSv1.2  128 bits  AES128-SHA`)).toEqual([
      'suites without forward secrecy or AEAD: AES128-SHA',
    ]);
  });
});

describe('testssl.sh findings (JSON recorded from testssl 3.0.8 --protocols --server-preference --cipher-per-proto against this server)', () => {
  const fixture = async (name: string) =>
    parseTestsslJson(await readFile(path.join(import.meta.dirname, 'fixtures', 'testssl', name), 'utf8')) ?? [];

  it('fails the server as it was: no server cipher order (HIGH)', async () => {
    const graded = gradeTestsslFindings(await fixture('client-cipher-order.json'));
    expect(graded.problems).toEqual(['HIGH cipher_order: NOT a cipher order configured']);
    expect(graded.excused).toEqual([]);
  });

  it('passes the server with its own order, strongest first', async () => {
    const findings = await fixture('server-cipher-order.json');
    expect(findings.find((f) => f.id === 'cipher_order')).toMatchObject({ severity: 'OK', finding: 'server' });
    expect(findings.find((f) => f.id === 'cipherorder_TLSv1_3')?.finding).toBe(
      'TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256',
    );
    expect(gradeTestsslFindings(findings)).toEqual({ problems: [], excused: [], unchecked: [] });
  });

  it("excuses the development certificate's missing revocation service (recorded with --server-defaults), nothing else", async () => {
    const findings = await fixture('dev-ca-certificate.json');
    expect(findings.find((f) => f.id === 'cert_chain_of_trust')?.severity).toBe('OK');
    expect(gradeTestsslFindings(findings)).toEqual({
      problems: [],
      excused: ['HIGH cert_revocation: Neither CRL nor OCSP URI provided'],
      unchecked: [],
    });
  });

  const finding = (id: string, severity: string) => ({ id, severity, finding: `${id} finding` });
  it.each(['MEDIUM', 'HIGH', 'CRITICAL'])('fails on any %s finding', (severity) => {
    expect(gradeTestsslFindings([finding('TLS1_1', severity)]).problems).toEqual([`${severity} TLS1_1: TLS1_1 finding`]);
  });
  it.each(['OK', 'INFO', 'LOW'])('passes %s findings', (severity) => {
    expect(gradeTestsslFindings([finding('cipher_order', severity)]).problems).toEqual([]);
  });
  it('excuses only the revocation findings a development CA cannot avoid, and not an untrusted chain', () => {
    const graded = gradeTestsslFindings([
      finding('cert_crlDistributionPoints', 'HIGH'),
      finding('cert_ocspURL <cert#1>', 'HIGH'),
      finding('OCSP_stapling', 'MEDIUM'),
      finding('cert_chain_of_trust', 'CRITICAL'),
      finding('cert_ocspURLx', 'HIGH'),
    ]);
    expect(graded.excused.map((line) => line.split(':')[0])).toEqual([
      'HIGH cert_crlDistributionPoints',
      'HIGH cert_ocspURL <cert#1>',
      'MEDIUM OCSP_stapling',
    ]);
    expect(graded.problems.map((line) => line.split(':')[0])).toEqual(['CRITICAL cert_chain_of_trust', 'HIGH cert_ocspURLx']);
  });
  it('reports checks testssl.sh could not run (WARN) separately', () => {
    expect(gradeTestsslFindings([finding('scanProblem', 'WARN')])).toEqual({
      problems: [],
      excused: [],
      unchecked: ['WARN scanProblem: scanProblem finding'],
    });
  });
  it('reads nothing from output that is not its JSON array', () => {
    expect(parseTestsslJson('Fatal error')).toBeNull();
    expect(parseTestsslJson('{"id":"x"}')).toBeNull();
  });
});

describe('which external scanners run', () => {
  it('runs the ones found on PATH, and only those', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'scanners-'));
    try {
      expect(installedTlsScanners(dir)).toEqual([]);
      for (const { tool } of EXTERNAL_TLS_SCANNERS) {
        await mkdir(path.join(dir, 'bin'), { recursive: true });
        await writeFile(path.join(dir, 'bin', tool), '#!/bin/sh\n');
        await chmod(path.join(dir, 'bin', tool), 0o755);
        expect(installedTlsScanners(`${dir}${path.delimiter}${path.join(dir, 'bin')}`).map((s) => s.tool)).toContain(tool);
      }
      expect(installedTlsScanners(path.join(dir, 'bin'))).toEqual([...EXTERNAL_TLS_SCANNERS]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
