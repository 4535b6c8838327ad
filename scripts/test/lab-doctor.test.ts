// `npm run lab -- doctor`: each check passes on a ready laptop and fails, with its fix, when the
// one thing it looks at is wrong (an older Node, a taken port, Stripe keys in the configuration,
// an untrusted or missing development CA, no browser, a better-sqlite3 that does not load).
// The Node range comes from package.json, the ports from the configuration.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import { DEFAULTS, loadConfig } from '../../server/src/config';
import { findChromium } from '../../test-support/browser';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';
import type { CheckLine } from '../doctor/checklist';
import { trustedCaNicknames, type CommandResult, type RunCommand } from '../lab/ca-trust';
import { buildToolsFix, labPorts, minimumVersion, runLabDoctor, type LabDoctorOptions } from '../lab/doctor';

const ENGINES = (JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
const MINIMUM = minimumVersion(ENGINES);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let dir: string;
let caDir: string;
let caPem: string;
let caPath: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lab-doctor-'));
  caDir = path.join(dir, 'certs');
  const ca = await ensureDevCertificate({ dir: caDir });
  caPem = ca.ca;
  caPath = ca.caPath;
  return () => rm(dir, { recursive: true, force: true });
});

/** An empty folder per test, for a home or a system certificate folder. */
async function emptyDir(name: string): Promise<string> {
  const folder = await mkdtemp(path.join(dir, `${name}-`));
  return folder;
}

const noCommands: RunCommand = () => ({ status: 1, stdout: '' });

/** Options for a laptop where everything is ready, on Linux with the CA in the system store; each test breaks one thing. */
async function readyLaptop(overrides: Partial<LabDoctorOptions> = {}): Promise<LabDoctorOptions> {
  const systemCertDir = await emptyDir('system-certs');
  await writeFile(path.join(systemCertDir, 'ca-certificates.crt'), caPem);
  return {
    loadConfig: () => loadConfig({ PORT: '0', HTTP_PORT: '0', EMULATOR_PORT: '0' }),
    nodeVersion: `v${MINIMUM.join('.')}`,
    platform: 'linux',
    caDir,
    home: await emptyDir('home'),
    systemCertDir,
    run: noCommands,
    findBrowser: () => '/opt/chromium/chrome',
    loadSqlite: () => Promise.resolve(),
    ...overrides,
  };
}

function only(lines: CheckLine[], group: string): CheckLine[] {
  const found = lines.filter((line) => line.group === group);
  expect(found.length, `lines in ${group}`).toBeGreaterThan(0);
  return found;
}

function failures(lines: CheckLine[]): CheckLine[] {
  return lines.filter((line) => line.status === 'fail');
}

async function takePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

describe('npm run lab -- doctor', () => {
  it('passes every check on a ready laptop', async () => {
    const lines = await runLabDoctor(await readyLaptop());
    expect(failures(lines)).toEqual([]);
    expect([...new Set(lines.map((line) => line.group))]).toEqual(['Node.js', 'Configuration', 'Development CA', 'Browser', 'SQLite']);
  });

  it("fails a Node older than package.json's engines and says which to install; the minimum itself and newer pass", async () => {
    const [major, minor, patch] = MINIMUM;
    const older = minor > 0 ? `v${major}.${minor - 1}.${patch + 5}` : `v${major - 1}.99.99`;
    const [line] = only(await runLabDoctor(await readyLaptop({ nodeVersion: older })), 'Node.js');
    expect(line).toMatchObject({ status: 'fail', title: `Node ${older} is older than package.json requires (${ENGINES})` });
    expect(line?.fix).toContain(`Install Node ${MINIMUM.join('.')} or newer`);
    for (const ok of [`v${MINIMUM.join('.')}`, `v${major}.${minor}.${patch + 1}`, `v${major + 1}.0.0`]) {
      expect(only(await runLabDoctor(await readyLaptop({ nodeVersion: ok })), 'Node.js')[0]?.status, ok).toBe('pass');
    }
  });

  it('refuses an engines range it cannot judge rather than guessing', () => {
    expect(() => minimumVersion('^20.19.0 || >=22')).toThrow(/understands only ">=X.Y.Z"/);
  });

  it('checks the ports the configuration gives the app, its redirect and the emulator, and names a taken one with its variable', async () => {
    const taken = await takePort();
    const free = await takePort();
    await cleanups.splice(-1, 1)[0]?.(); // release the second one: a free port
    const env = { PORT: String(taken), HTTP_PORT: String(free), EMULATOR_PORT: '0' };
    const lines = only(await runLabDoctor(await readyLaptop({ loadConfig: () => loadConfig(env) })), 'Ports');
    expect(lines).toEqual([
      expect.objectContaining({ status: 'fail', title: `${taken} (PORT) is in use` }),
      expect.objectContaining({ status: 'pass', title: `${free} (HTTP_PORT) is free` }),
    ]);
    expect(lines[0]?.fix).toContain(`lsof -nP -iTCP:${taken} -sTCP:LISTEN`);
    expect(lines[0]?.fix).toContain('set PORT to a free port in .env');
  });

  it('checks the default ports when the configuration sets none', () => {
    expect(labPorts(loadConfig({}))).toEqual([
      { port: DEFAULTS.port, variable: 'PORT' },
      { port: DEFAULTS.httpPort, variable: 'HTTP_PORT' },
      { port: DEFAULTS.emulatorPort, variable: 'EMULATOR_PORT' },
    ]);
  });

  it('fails with Stripe keys in the configuration (the lab runs against the emulator only) and with a configuration the app refuses', async () => {
    const keys = {
      STRIPE_SECRET_KEY: 'sk_test_lab123',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_lab123',
      STRIPE_WEBHOOK_SECRET: 'whsec_labSecret1',
    };
    const [withKeys] = only(await runLabDoctor(await readyLaptop({ loadConfig: () => loadConfig(keys) })), 'Configuration');
    expect(withKeys).toMatchObject({ status: 'fail', fix: expect.stringContaining('Remove STRIPE_SECRET_KEY') as unknown });
    const refused = await runLabDoctor(await readyLaptop({ loadConfig: () => loadConfig({ PORT: 'eighty' }) }));
    expect(only(refused, 'Configuration')).toEqual([
      expect.objectContaining({ status: 'fail', title: 'the app would refuse to start', fix: expect.stringContaining('PORT') as unknown }),
    ]);
    expect(refused.some((line) => line.group === 'Ports')).toBe(false);
  });

  describe('the development CA', () => {
    it('fails when there is none yet, saying to create it', async () => {
      const [line] = only(await runLabDoctor(await readyLaptop({ caDir: await emptyDir('no-ca') })), 'Development CA');
      expect(line).toMatchObject({ status: 'fail' });
      expect(line?.fix).toMatch(/^Run npm run certs/);
    });

    it('Linux: fails when neither the system store nor a browser database holds it, and passes from either', async () => {
      const systemCertDir = await emptyDir('system-certs');
      const home = await emptyDir('home');
      const [untrusted] = only(await runLabDoctor(await readyLaptop({ systemCertDir, home })), 'Development CA');
      expect(untrusted?.status).toBe('fail');
      expect(untrusted?.fix).toContain(`-i "${caPath}"`);
      expect(untrusted?.fix).toContain('libnss3-tools');

      // Another checkout's CA has the same name but is not this one.
      const other = await ensureDevCertificate({ dir: await emptyDir('other-ca') });
      await writeFile(path.join(systemCertDir, 'ca-certificates.crt'), other.ca);
      expect(only(await runLabDoctor(await readyLaptop({ systemCertDir, home })), 'Development CA')[0]?.status).toBe('fail');

      await writeFile(path.join(systemCertDir, 'stripe-secure-starter-dev.pem'), caPem);
      const [trusted] = only(await runLabDoctor(await readyLaptop({ systemCertDir, home })), 'Development CA');
      expect(trusted).toMatchObject({ status: 'pass', title: expect.stringContaining('the system store') as unknown });
    });

    it("Linux: reads Chrome's NSS database with certutil, counting only a certificate trusted as a CA for websites", async () => {
      const home = await emptyDir('home');
      const db = path.join(home, '.pki', 'nssdb');
      await mkdir(db, { recursive: true });
      await writeFile(path.join(db, 'cert9.db'), '');
      const calls: string[][] = [];
      const nss =
        (trust: string): RunCommand =>
        (command, args) => {
          calls.push([command, ...args]);
          if (command !== 'certutil' || args[1] !== `sql:${db}`) return { status: 1, stdout: '' };
          if (args.includes('-n')) return { status: 0, stdout: args[args.indexOf('-n') + 1] === 'lab ca' ? caPem : '' };
          return { status: 0, stdout: `\nCertificate Nickname        Trust Attributes\n\nlab ca                      ${trust}\n` };
        };
      const options = { home, systemCertDir: await emptyDir('system-certs') };
      const [trusted] = only(await runLabDoctor(await readyLaptop({ ...options, run: nss('C,,') })), 'Development CA');
      expect(trusted).toMatchObject({ status: 'pass', title: expect.stringContaining(`the NSS database ${db}`) as unknown });
      expect(calls).toContainEqual(['certutil', '-d', `sql:${db}`, '-L', '-n', 'lab ca', '-a']);
      expect(only(await runLabDoctor(await readyLaptop({ ...options, run: nss('p,,') })), 'Development CA')[0]?.status).toBe('fail');

      const noCertutil: RunCommand = (): CommandResult => ({ status: null, stdout: '', missing: true });
      const [missing] = only(await runLabDoctor(await readyLaptop({ ...options, run: noCertutil })), 'Development CA');
      expect(missing?.status).toBe('fail');
      expect(missing?.title).toContain('certutil is not installed');
      expect(missing?.title).toContain('sudo apt-get install libnss3-tools');
    });

    it('parses certutil -L trust columns', () => {
      const listing =
        'Certificate Nickname    Trust Attributes\n                        SSL,S/MIME,JAR/XPI\n\nmy dev ca   CT,C,C\npeer    P,,\nother ca   c,,\n';
      expect(trustedCaNicknames(listing)).toEqual(['my dev ca']);
    });

    it('macOS: asks security verify-cert about this CA file', async () => {
      const calls: string[][] = [];
      const security =
        (status: number): RunCommand =>
        (command, args) => {
          calls.push([command, ...args]);
          return { status, stdout: '' };
        };
      const [trusted] = only(await runLabDoctor(await readyLaptop({ platform: 'darwin', run: security(0) })), 'Development CA');
      expect(trusted).toMatchObject({ status: 'pass', title: expect.stringContaining('macOS keychain') as unknown });
      expect(calls).toEqual([['security', 'verify-cert', '-c', caPath]]);
      const [untrusted] = only(await runLabDoctor(await readyLaptop({ platform: 'darwin', run: security(1) })), 'Development CA');
      expect(untrusted?.status).toBe('fail');
      expect(untrusted?.fix).toContain(`security add-trusted-cert -d -r trustRoot -k ~/Library/Keychains/login.keychain-db "${caPath}"`);
    });

    it("Windows: asks certutil -verifystore for the CA's SHA-1 thumbprint in the user's, then the machine's Root store", async () => {
      const der = Buffer.from(caPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
      const thumbprint = createHash('sha1').update(der).digest('hex').toUpperCase();
      const calls: string[][] = [];
      const certutil =
        (trustedIn: 'user' | 'machine' | 'none'): RunCommand =>
        (command, args) => {
          calls.push([command, ...args]);
          const user = args[0] === '-user';
          const hit = args.at(-1) === thumbprint && ((trustedIn === 'user' && user) || (trustedIn === 'machine' && !user));
          return { status: hit ? 0 : 1, stdout: '' };
        };
      const [user] = only(await runLabDoctor(await readyLaptop({ platform: 'win32', run: certutil('user') })), 'Development CA');
      expect(user).toMatchObject({ status: 'pass', title: expect.stringContaining('Cert:\\CurrentUser\\Root') as unknown });
      const [machine] = only(await runLabDoctor(await readyLaptop({ platform: 'win32', run: certutil('machine') })), 'Development CA');
      expect(machine).toMatchObject({ status: 'pass', title: expect.stringContaining('Cert:\\LocalMachine\\Root') as unknown });
      expect(calls).toContainEqual(['certutil', '-verifystore', 'Root', thumbprint]);
      const [none] = only(await runLabDoctor(await readyLaptop({ platform: 'win32', run: certutil('none') })), 'Development CA');
      expect(none?.status).toBe('fail');
      expect(none?.fix).toContain(`Import-Certificate -FilePath "${caPath}" -CertStoreLocation Cert:\\CurrentUser\\Root`);
    });
  });

  it("fails without a browser, with the end-to-end finder's instructions, and names the one it finds", async () => {
    const missing = path.join(dir, 'no-such-chrome');
    const [line] = only(await runLabDoctor(await readyLaptop({ findBrowser: () => findChromium({ CHROMIUM_PATH: missing }) })), 'Browser');
    expect(line).toMatchObject({ status: 'fail', fix: expect.stringContaining(`CHROMIUM_PATH is ${missing}`) as unknown });
    const [found] = only(await runLabDoctor(await readyLaptop()), 'Browser');
    expect(found).toMatchObject({ status: 'pass', title: 'Chromium for the browser attacks: /opt/chromium/chrome' });
  });

  it("fails when better-sqlite3 does not load, with the platform's build tools; the real module loads", async () => {
    const broken = () => Promise.reject(new Error('Could not locate the bindings file'));
    const tools = { win32: 'Visual Studio Build Tools', darwin: 'xcode-select --install', linux: 'build-essential python3' } as const;
    for (const [platform, tool] of Object.entries(tools) as [NodeJS.Platform, string][]) {
      const [line] = only(await runLabDoctor(await readyLaptop({ platform, loadSqlite: broken })), 'SQLite');
      expect(line).toMatchObject({ status: 'fail', title: 'better-sqlite3 does not load: Could not locate the bindings file' });
      expect(line?.fix).toBe(buildToolsFix(platform));
      expect(line?.fix).toContain(tool);
    }
    const real = { ...(await readyLaptop()), loadSqlite: undefined };
    expect(only(await runLabDoctor(real), 'SQLite')[0]?.status).toBe('pass');
  });

  it('the command exits 1 and prints the fix when a check fails', async () => {
    const taken = await takePort();
    const cwd = await emptyDir('cwd'); // no .env here
    const child = spawn(process.execPath, tsxNodeArgs('scripts/lab/cli.ts', []).concat('doctor'), {
      cwd,
      env: { PATH: process.env.PATH ?? '', PORT: String(taken) },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toContain(`FAIL  ${taken} (PORT) is in use`);
    expect(out).toContain('fix: Stop the program holding it');
  }, 60_000);
});
