// `npm run doctor` against the emulator: a good setup passes, and each misconfiguration fails
// with the fix that names what to change. Event types, the API version and the permissions come
// from the app's own constants (payments/), never from literals here.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/src/index';
import { loadConfig, type Config } from '../../server/src/config';
import { DOCTOR_STRIPE_PERMISSIONS } from '../../server/src/payments/account-checks';
import { createStripeClient, STRIPE_API_VERSION } from '../../server/src/payments/stripe-client';
import { APP_STRIPE_PERMISSIONS, LOCAL_STRIPE_CALLS } from '../../server/src/payments/stripe-permissions';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';
import { checkCertificate, RENEW_WITHIN_DAYS } from '../doctor/certificate';
import { hasFailure, renderChecklist, type CheckLine } from '../doctor/checklist';
import { runDoctor } from '../doctor/run-doctor';
import { checkTlsMode } from '../doctor/tls-mode';
import { webhookUrl } from '../doctor/webhook-endpoint';
import { createTestCa, issueLeaf, writeLeaf, type TestCa } from './fixtures/test-certificates';

const KEYS = {
  STRIPE_SECRET_KEY: 'sk_test_doctorGood123',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_doctorGood123',
  STRIPE_WEBHOOK_SECRET: 'whsec_doctorTestSecret',
};
const RESTRICTED_KEY_PREFIX = 'rk_test_doctorRestricted';
const DAY_MS = 24 * 60 * 60 * 1000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let publicCa: TestCa;
let tempDir: string;
beforeAll(async () => {
  publicCa = await createTestCa();
  tempDir = await mkdtemp(path.join(tmpdir(), 'doctor-test-'));
  return () => rm(tempDir, { recursive: true, force: true });
});

async function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({ port: 0, logger: pino({ level: 'silent' }), secretKeys: [KEYS.STRIPE_SECRET_KEY], ...options });
  cleanups.push(() => emulator.close());
  return emulator;
}

function envFor(emulator: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { ...KEYS, STRIPE_API_URL: emulator.url, ...extra };
}

const configOf = (env: Record<string, string>): Config => loadConfig(env);

/** The app's own client on the emulator (as the doctor's), to set up endpoints. */
function clientFor(emulator: Emulator) {
  return createStripeClient({ secretKey: KEYS.STRIPE_SECRET_KEY, apiUrl: new URL(emulator.url), ca: emulator.ca });
}

/** An emulator whose one endpoint for the app's webhook URL is as the app needs it, unless `endpoint` changes it. */
async function setUp(
  options: {
    emulator?: EmulatorOptions;
    env?: Record<string, string>;
    endpoint?: { enabled_events?: string[]; api_version?: string } | null;
    disable?: boolean;
  } = {},
) {
  const emulator = await startTestEmulator(options.emulator);
  const env = envFor(emulator, options.env);
  let endpointId: string | undefined;
  if (options.endpoint !== null) {
    const stripe = clientFor(emulator);
    const created = await stripe.webhookEndpoints.create({
      url: webhookUrl(configOf(env)),
      enabled_events: (options.endpoint?.enabled_events ?? [...HANDLED_EVENT_TYPES]) as never,
      api_version: (options.endpoint?.api_version ?? STRIPE_API_VERSION) as never,
    });
    endpointId = created.id;
    if (options.disable) await stripe.webhookEndpoints.update(created.id, { disabled: true });
  }
  const lines = await runDoctor({ loadConfig: () => configOf(env) });
  return { emulator, env, lines, endpointId };
}

const failures = (lines: readonly CheckLine[]) => lines.filter((line) => line.status === 'fail');

/** The one failure, asserted to be the only one. */
function onlyFailure(lines: readonly CheckLine[]): CheckLine {
  const failed = failures(lines);
  expect(failed, renderChecklist(lines)).toHaveLength(1);
  return failed[0] as CheckLine;
}

describe('npm run doctor against the emulator', () => {
  it('passes a good setup: keys, the endpoint for PUBLIC_URL/webhooks/stripe, the account, the certificate, the TLS mode', async () => {
    const { lines, endpointId } = await setUp();
    expect(failures(lines), renderChecklist(lines)).toEqual([]);
    expect(hasFailure(lines)).toBe(false);
    expect(lines.filter((line) => line.status === 'skip')).toEqual([]);
    expect([...new Set(lines.map((line) => line.group))]).toEqual([
      'Configuration',
      'Stripe keys',
      'Webhook endpoint',
      'Stripe account',
      'Certificate',
      'TLS mode',
    ]);
    const titles = lines.map((line) => line.title).join('\n');
    expect(titles).toContain(`${endpointId ?? ''} is subscribed to exactly the ${HANDLED_EVENT_TYPES.length} event types the app handles`);
    expect(titles).toContain(`API version ${STRIPE_API_VERSION}`);
    expect(renderChecklist(lines)).toMatch(/^\d+ passed, 0 failed, 0 skipped$/m);
  });

  it('fails a key pair of two modes with the configuration fix', async () => {
    const emulator = await startTestEmulator();
    const env = envFor(emulator, { STRIPE_PUBLISHABLE_KEY: KEYS.STRIPE_PUBLISHABLE_KEY.replace('_test_', '_live_') });
    const lines = await runDoctor({ loadConfig: () => configOf(env) });
    const failure = onlyFailure(lines);
    expect(failure).toMatchObject({ group: 'Configuration', status: 'fail' });
    expect(failure.fix).toContain(
      'STRIPE_PUBLISHABLE_KEY is a live-mode key but STRIPE_SECRET_KEY is a test-mode key: use the pk_test_… key',
    );
  });

  it('fails a key Stripe refuses, and checks nothing else against Stripe', async () => {
    const { lines } = await setUp({ env: { STRIPE_SECRET_KEY: 'sk_test_notTheAccountsKey123' }, endpoint: null });
    const failure = onlyFailure(lines);
    expect(failure.title).toMatch(/^Stripe refuses STRIPE_SECRET_KEY: Invalid API Key provided: sk_test_\*+y123$/);
    expect(failure.fix).toContain('Copy the test-mode secret key (or your restricted key) again from Dashboard → Developers → API keys');
    expect(lines.some((line) => line.group === 'Webhook endpoint' || line.group === 'Stripe account')).toBe(false);
  });

  it('passes a restricted key that holds every permission the app needs', async () => {
    const key = `${RESTRICTED_KEY_PREFIX}All`;
    const permissions = [...APP_STRIPE_PERMISSIONS.map((p) => p.permission), ...Object.values(DOCTOR_STRIPE_PERMISSIONS)];
    const { lines } = await setUp({ emulator: { restrictedKeys: [{ key, permissions }] }, env: { STRIPE_SECRET_KEY: key } });
    expect(failures(lines), renderChecklist(lines)).toEqual([]);
    const permissionLines = lines.filter((line) => line.title.startsWith('restricted key may call'));
    expect(permissionLines.map((line) => line.title)).toEqual(
      APP_STRIPE_PERMISSIONS.map((p) => `restricted key may call ${p.calls.join(', ')} (${p.permission})`),
    );
  });

  it.each(APP_STRIPE_PERMISSIONS.map((p) => [p.permission, p] as const))(
    'fails a restricted key without %s, naming it',
    async (_name, missing) => {
      const key = `${RESTRICTED_KEY_PREFIX}${APP_STRIPE_PERMISSIONS.indexOf(missing)}`;
      const permissions = [
        ...APP_STRIPE_PERMISSIONS.filter((p) => p !== missing).map((p) => p.permission),
        ...Object.values(DOCTOR_STRIPE_PERMISSIONS),
      ];
      const { lines } = await setUp({ emulator: { restrictedKeys: [{ key, permissions }] }, env: { STRIPE_SECRET_KEY: key } });
      const failure = onlyFailure(lines);
      expect(failure.title).toBe(
        `restricted key lacks ${missing.permission} (${missing.dashboardName}), needed for ${missing.calls.join(', ')}`,
      );
      expect(failure.fix).toContain(`Edit the restricted key in Dashboard → Developers → API keys and set ${missing.dashboardName}`);
    },
  );

  it('fails when there is no endpoint for PUBLIC_URL/webhooks/stripe, with how to create it', async () => {
    const { lines, env } = await setUp({ endpoint: null });
    const failure = onlyFailure(lines);
    const url = webhookUrl(configOf(env));
    expect(failure.title).toBe(`no webhook endpoint for ${url}`);
    expect(failure.fix).toContain(`stripe webhook_endpoints create -d url=${url} -d api_version=${STRIPE_API_VERSION}`);
    for (const type of HANDLED_EVENT_TYPES) expect(failure.fix).toContain(`-d "enabled_events[]=${type}"`);
    expect(failure.fix).toContain('STRIPE_WEBHOOK_SECRET');
  });

  it('fails a disabled endpoint', async () => {
    const { lines, endpointId } = await setUp({ disable: true });
    const failure = onlyFailure(lines);
    expect(failure.title).toBe(`${endpointId ?? ''} is disabled: Stripe sends it nothing`);
    expect(failure.fix).toContain(`Enable it in Dashboard → Developers → Webhooks → ${endpointId ?? ''}`);
  });

  it('fails an endpoint missing a handled event type, naming it', async () => {
    const [first, ...rest] = HANDLED_EVENT_TYPES;
    const { lines } = await setUp({ endpoint: { enabled_events: rest } });
    const failure = onlyFailure(lines);
    expect(failure.title).toMatch(new RegExp(`events differ from the ones the app handles: missing ${first.replaceAll('.', '\\.')}$`));
    expect(failure.fix).toContain(`add ${first}`);
    expect(failure.fix).not.toContain('remove');
  });

  it("fails an endpoint subscribed to more than the app handles ('*')", async () => {
    const { lines } = await setUp({ endpoint: { enabled_events: [...HANDLED_EVENT_TYPES, '*'] } });
    const failure = onlyFailure(lines);
    expect(failure.title).toContain("not handled by the app: '*' (every event)");
    expect(failure.title).not.toContain('missing');
    expect(failure.fix).toContain('remove *');
  });

  it('fails an endpoint in another API version than the pinned one', async () => {
    const older = STRIPE_API_VERSION.replace(/^(\d{4})/, (year) => String(Number(year) - 1));
    const { lines, endpointId } = await setUp({ endpoint: { api_version: older } });
    const failure = onlyFailure(lines);
    expect(failure.title).toBe(`${endpointId ?? ''} renders events in API version ${older}; the app pins ${STRIPE_API_VERSION}`);
    expect(failure.fix).toContain("An endpoint's API version cannot be changed: create a new one");
    expect(failure.fix).toContain(`then delete ${endpointId ?? ''}`);
  });

  it('fails an account that cannot take charges, with the activation fix', async () => {
    const { lines } = await setUp({ emulator: { account: { chargesEnabled: false, detailsSubmitted: false } } });
    const failure = onlyFailure(lines);
    expect(failure.title).toMatch(/^acct_\w+ cannot take charges \(charges_enabled: false, details_submitted: false\)$/);
    expect(failure.fix).toContain('Activate the account: submit the business details');
  });

  it('fails a certificate that does not cover the host of PUBLIC_URL', async () => {
    const files = await writeLeaf(tempDir, await issueLeaf(publicCa, ['shop.example.com']), 'other-host');
    const { lines } = await setUp({ env: files });
    const failure = onlyFailure(lines);
    expect(failure.title).toBe(
      `TLS_CERT_FILE (${files.TLS_CERT_FILE}) does not cover localhost, the host of PUBLIC_URL (it names DNS:shop.example.com)`,
    );
    expect(failure.fix).toContain('Use a certificate issued for localhost');
  });

  it('fails an expired certificate, and one that expires within the renewal window', async () => {
    const leaf = await issueLeaf(publicCa, ['localhost']);
    const files = await writeLeaf(tempDir, leaf, 'expiring');
    const emulator = await startTestEmulator();
    const stripe = clientFor(emulator);
    const env = envFor(emulator, files);
    await stripe.webhookEndpoints.create({
      url: webhookUrl(configOf(env)),
      enabled_events: [...HANDLED_EVENT_TYPES],
      api_version: STRIPE_API_VERSION as never,
    });
    const at = (now: Date) => runDoctor({ loadConfig: () => configOf(env), now });

    expect(failures(await at(new Date(leaf.validTo.getTime() - (RENEW_WITHIN_DAYS + 1) * DAY_MS)))).toEqual([]);
    const soon = onlyFailure(await at(new Date(leaf.validTo.getTime() - 10 * DAY_MS)));
    expect(soon.title).toMatch(
      new RegExp(`expires on ${leaf.validTo.toISOString().slice(0, 10)}, in (9|10) days \\(less than ${RENEW_WITHIN_DAYS}\\)$`),
    );
    expect(soon.fix).toContain('Renew it now');
    const expired = onlyFailure(await at(new Date(leaf.validTo.getTime() + DAY_MS)));
    expect(expired.title).toBe(`TLS_CERT_FILE (${files.TLS_CERT_FILE}) expired on ${leaf.validTo.toISOString().slice(0, 10)}`);
    expect(expired.fix).toContain('replace the files');
  });

  it('fails a key file that does not go with the certificate', async () => {
    const good = await writeLeaf(tempDir, await issueLeaf(publicCa, ['localhost']), 'pair-a');
    const other = await writeLeaf(tempDir, await issueLeaf(publicCa, ['localhost']), 'pair-b');
    const { lines } = await setUp({ env: { TLS_CERT_FILE: good.TLS_CERT_FILE, TLS_KEY_FILE: other.TLS_KEY_FILE } });
    expect(onlyFailure(lines).title).toMatch(/^TLS_KEY_FILE does not go with TLS_CERT_FILE/);
  });

  it('says there is nothing to check against Stripe in emulated mode, and checks the rest', async () => {
    const lines = await runDoctor({ loadConfig: () => configOf({}) });
    expect(failures(lines)).toEqual([]);
    expect(lines.filter((line) => line.status === 'skip').map((line) => line.title)).toEqual([
      'emulated mode (no STRIPE_SECRET_KEY): nothing to check against Stripe',
    ]);
    expect(lines.map((line) => line.group)).toEqual(expect.arrayContaining(['Certificate', 'TLS mode']));
  });
});

describe('the certificate in live mode', () => {
  it('fails a certificate from the development CA even when it names the host', async () => {
    const devDir = path.join(tempDir, 'dev-certs');
    const devCa = await ensureDevCertificate({ dir: devDir });
    const devCaKey = await readFile(path.join(devDir, 'dev-ca-key.pem'), 'utf8');
    const host = 'shop.example.com';
    const files = await writeLeaf(tempDir, await issueLeaf({ cert: devCa.ca, key: devCaKey }, [host]), 'dev-ca-leaf');
    const config = configOf({
      STRIPE_SECRET_KEY: KEYS.STRIPE_SECRET_KEY.replace('_test_', '_live_'),
      STRIPE_PUBLISHABLE_KEY: KEYS.STRIPE_PUBLISHABLE_KEY.replace('_test_', '_live_'),
      STRIPE_WEBHOOK_SECRET: KEYS.STRIPE_WEBHOOK_SECRET,
      PUBLIC_URL: `https://${host}`,
      ...files,
    });
    const lines = await checkCertificate(config, { tlsMode: 'app', now: new Date() });
    const failure = onlyFailure(lines);
    expect(failure.title).toBe(
      `TLS_CERT_FILE (${files.TLS_CERT_FILE}) comes from the development CA, which only the machine that made it trusts`,
    );
    expect(failure.fix).toContain(`Live mode needs a certificate from a public CA (e.g. Let's Encrypt) for ${host}`);
    // The same certificate is fine in test mode on this machine.
    const testConfig = configOf({ ...KEYS, PUBLIC_URL: `https://${host}`, ...files });
    expect(failures(await checkCertificate(testConfig, { tlsMode: 'app', now: new Date() }))).toEqual([]);
  });
});

describe('proxy mode', () => {
  async function serve(chain: string, key: string): Promise<string> {
    const server = https.createServer({ cert: chain, key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `https://localhost:${address.port}`;
  }

  it('checks the certificate served at PUBLIC_URL instead of TLS_CERT_FILE', async () => {
    const leaf = await issueLeaf(publicCa, ['localhost']);
    const publicUrl = await serve(leaf.chain, leaf.key);
    const config = configOf({ ...KEYS, PUBLIC_URL: publicUrl, TRUST_PROXY: '1' });
    const trusted = await checkCertificate(config, { tlsMode: 'proxy', now: new Date(), servedCa: [publicCa.cert] });
    expect(failures(trusted), renderChecklist(trusted)).toEqual([]);
    expect(trusted[0]?.title).toBe(`the certificate served at ${publicUrl} chains to a trusted root`);
    // Without the stand-in root, as a browser without it sees it.
    const untrusted = await checkCertificate(config, { tlsMode: 'proxy', now: new Date() });
    expect(onlyFailure(untrusted).title).toMatch(new RegExp(`^the certificate served at ${publicUrl} is not trusted: `));

    const otherHost = await issueLeaf(publicCa, ['shop.example.com']);
    const otherUrl = await serve(otherHost.chain, otherHost.key);
    const wrongHost = await checkCertificate(configOf({ ...KEYS, PUBLIC_URL: otherUrl, TRUST_PROXY: '1' }), {
      tlsMode: 'proxy',
      now: new Date(),
      servedCa: [publicCa.cert],
    });
    expect(onlyFailure(wrongHost).title).toBe(
      `the certificate served at ${otherUrl} does not cover localhost, the host of PUBLIC_URL (it names DNS:shop.example.com)`,
    );
  });

  it('requires TRUST_PROXY, PUBLIC_URL and no certificate files', async () => {
    const good = configOf({ ...KEYS, PUBLIC_URL: 'https://localhost:8443', TRUST_PROXY: '1' });
    expect(failures(checkTlsMode(good, 'proxy'))).toEqual([]);
    const noTrust = onlyFailure(checkTlsMode(configOf({ ...KEYS, PUBLIC_URL: 'https://localhost:8443' }), 'proxy'));
    expect(noTrust.fix).toContain('Set TRUST_PROXY to the number of proxies');
    const noUrl = onlyFailure(checkTlsMode(configOf({ ...KEYS, TRUST_PROXY: '1' }), 'proxy'));
    expect(noUrl.fix).toContain('Set PUBLIC_URL');
    const files = await writeLeaf(tempDir, await issueLeaf(publicCa, ['localhost']), 'proxy-files');
    const withFiles = onlyFailure(
      checkTlsMode(configOf({ ...KEYS, PUBLIC_URL: 'https://localhost:8443', TRUST_PROXY: '1', ...files }), 'proxy'),
    );
    expect(withFiles.fix).toContain('Unset TLS_CERT_FILE and TLS_KEY_FILE');
    expect(failures(checkTlsMode(configOf({ ...KEYS }), 'app'))).toEqual([]);
  });
});

describe('the permission list', () => {
  it('names every Stripe API call server/src/payments makes, and no other', () => {
    const dir = path.join(REPO_ROOT, 'server', 'src', 'payments');
    const calls = new Set<string>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      // The doctor's own reads (account-checks.ts) and the probes are not the app's calls.
      if (file === 'account-checks.ts' || file === 'stripe-permissions.ts') continue;
      for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(/\bstripe\.((?:[a-zA-Z]+\.)+[a-zA-Z]+)\(/g))
        calls.add(match[1] ?? '');
    }
    const listed = [...APP_STRIPE_PERMISSIONS.flatMap((p) => p.calls), ...LOCAL_STRIPE_CALLS];
    expect([...calls].sort()).toEqual([...new Set(listed)].sort());
  });

  it('is the table docs/deploy.md gives, row for row', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    const rows = doc
      .split('\n')
      .filter((line) => line.startsWith('| `rak_'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      APP_STRIPE_PERMISSIONS.map((p) => [`\`${p.permission}\``, p.dashboardName, p.calls.map((call) => `\`${call}\``).join(', ')]),
    );
  });
});

describe('the command', () => {
  function runCli(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve, reject) => {
      // No inherited Stripe or TLS settings: only what the test gives (and no .env: cwd is empty).
      const child = spawn(process.execPath, tsxNodeArgs('scripts/doctor/cli.ts'), {
        cwd,
        env: { PATH: process.env['PATH'] ?? '', ...env },
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
  }

  it('prints the checklist and exits 1 on a failure, 0 without one', async () => {
    const emulator = await startTestEmulator();
    const failing = await runCli(envFor(emulator, { STRIPE_SECRET_KEY: 'sk_test_notTheAccountsKey123' }), tempDir);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/^ {2}FAIL {2}Stripe refuses STRIPE_SECRET_KEY/m);
    expect(failing.stdout).toMatch(/^ {8}fix: Copy the test-mode secret key/m);
    const emulated = await runCli({}, tempDir);
    expect(emulated.code, emulated.stdout).toBe(0);
    expect(emulated.stdout).toMatch(/^ {2}SKIP {2}emulated mode/m);
  }, 120_000);
});
