// The production start: `npm run build`, `npm ci --omit=dev`, then `npm start` with
// NODE_ENV=production runs the built server with plain node. The install is laid out in a
// temporary folder from the lockfile (test-support/production-install.ts: node_modules holds
// only the packages the lockfile does not mark dev, hard-linked rather than installed, since a
// real `npm ci --omit=dev` compiles better-sqlite3 for about two minutes), so a runtime import
// of a dev dependency, or a file the bundle reads from the source tree, fails here.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import { startEmulator, type Emulator } from '../../emulator/src/index';
import { createLogger } from '../../server/src/logger';
import { findFreePort, waitForHealthy } from '../../test-support/app-health';
import { parseLogLines } from '../../test-support/app-launcher';
import { activeCatalogFile } from '../../test-support/catalog';
import { fixtureClientDir } from '../../test-support/fixture-client';
import { devPackageFolders, layOutProductionInstall, readLockfile } from '../../test-support/production-install';
import { buildBrowserScripts } from '../../emulator/src/pages/browser-scripts-compiler';
import {
  BROWSER_SCRIPTS_COMPILER,
  BUNDLED_PACKAGES,
  buildServer,
  checkRuntimePackages,
  packageName,
  SERVER_ENTRY_POINTS,
} from '../build/server';
import type { Metafile } from 'esbuild';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const WEBHOOK_SECRET = 'whsec_production_start_test';

interface NpmRun {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `npm <args>` in `dir` with only PATH, a home and `env`: what a production host's shell would give it. */
function npm(dir: string, args: string[], env: Record<string, string>): NpmRun {
  const logFile = path.join(dir, `npm-${args.join('-')}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn('npm', args, { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => readFileSync(logFile, 'utf8') };
}

function get(url: string, ca: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      })
      .on('error', reject);
  });
}

let dir: string;
let metafile: Metafile;
let emulator: Emulator;
let ca: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sss-production-'));
  // One build for the suite: the server bundle is what `npm run build` writes, into the
  // install's dist/server; the client is the fixture build the server tests serve.
  metafile = await buildServer({ outDir: path.join(dir, 'dist', 'server') });
  layOutProductionInstall({ dir, clientDistDir: fixtureClientDir() });
  // A developer's test-mode setup: the development CA (the app trusts the emulator with it and
  // issues its own certificate from it), test keys, the emulator as Stripe.
  const certificate = await ensureDevCertificate();
  cpSync(path.dirname(certificate.caPath), path.join(dir, '.certs'), { recursive: true });
  ca = certificate.ca;
  emulator = await startEmulator({ port: 0, logger: createLogger({ level: 'silent' }) });
  const [port, httpPort] = [await findFreePort(), await findFreePort()];
  env = {
    NODE_ENV: 'production',
    STRIPE_SECRET_KEY: 'sk_test_productionstart',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_productionstart',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_URL: emulator.url,
    // Stripe's published webhook addresses, which the server must carry in its bundle.
    STRIPE_WEBHOOK_IPS: 'stripe',
    PORT: String(port),
    HTTP_PORT: String(httpPort),
    DATABASE_URL: `file:${path.join(dir, 'data', 'app.sqlite')}`,
    // The catalog the tests derive from, when the caller chose one; otherwise the install's config/catalog.json.
    ...(process.env['CATALOG_FILE'] ? { CATALOG_FILE: activeCatalogFile() } : {}),
  };
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the production install', () => {
  it('holds no package the lockfile marks dev (tsx, vite, esbuild …)', () => {
    const devFolders = devPackageFolders(readLockfile(dir));
    expect(devFolders).toEqual(expect.arrayContaining(['node_modules/tsx', 'node_modules/vite', 'node_modules/esbuild']));
    expect(devFolders.filter((folder) => existsSync(path.join(dir, folder)))).toEqual([]);
  });
});

describe('npm start with NODE_ENV=production', () => {
  it('runs the built server with plain node: /healthz over HTTPS, pages with their CSP, Stripe reached, SIGTERM stops it', async () => {
    const app = npm(dir, ['start'], env);
    let exitCode: number | null | undefined;
    void app.exited.then((exit) => (exitCode = exit.code));
    try {
      const url = `https://localhost:${env['PORT']}`;
      await waitForHealthy(`${url}/healthz`, { ca, hasExited: () => exitCode !== undefined, output: app.output });

      const page = await get(`${url}/`, ca);
      expect(page.status).toBe(200);
      const csp = String(page.headers['content-security-policy']);
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
      expect(nonce).toBeDefined();
      expect(csp).toContain("'strict-dynamic'");
      expect(page.body).toContain(`nonce="${nonce}"`);
      expect(page.body).not.toContain('__CSP_NONCE__');

      // Startup reconciliation listed the emulator's events: the Stripe client, and the CA it
      // trusts from the install's own .certs/, work from the bundle.
      await expect.poll(() => parseLogLines(app.output()).find((line) => line['msg'] === 'reconciled missed Stripe events')).toBeDefined();
      expect(parseLogLines(app.output()).filter((line) => Number(line['level']) >= 50)).toEqual([]);
      // No tsx and no build: the program is the bundle.
      expect(app.output()).toContain('node scripts/start.mjs');
      expect(app.output()).not.toMatch(/vite|tsx/);
      // scripts/start.mjs imports the bundle into its own process, so the pid the server logs is
      // the node process npm started: SIGTERM it as a supervisor would, and npm reports its exit.
      const listening = parseLogLines(app.output()).find((line) => line['msg'] === 'listening');
      process.kill(Number(listening?.['pid']), 'SIGTERM');
      expect(await app.exited).toEqual({ code: 0, signal: null });
      expect(parseLogLines(app.output()).at(-1)).toMatchObject({ msg: 'stopped' });
    } finally {
      app.child.kill('SIGKILL');
    }
  }, 90_000);

  it('runs npm run reconcile from the bundle too, for operators on the production host', async () => {
    const run = npm(dir, ['run', 'reconcile'], env);
    expect(await run.exited, run.output()).toEqual({ code: 0, signal: null });
    expect(parseLogLines(run.output()).find((line) => line['msg'] === 'reconciled missed Stripe events')).toMatchObject({
      reconcile: { failed: 0 },
    });
  }, 60_000);

  it('runs npm run doctor from the bundle too, before going live on the production host', async () => {
    const run = npm(dir, ['run', 'doctor'], env);
    const { code } = await run.exited;
    // The checklist ran to its end (this emulator has no endpoint for PUBLIC_URL, so FAILs are
    // expected); a missing module or a crash would print no checklist.
    expect(run.output()).toMatch(/^\s*PASS\s+Stripe accepts STRIPE_SECRET_KEY$/m);
    expect(run.output()).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    const failed = Number(/(\d+) failed, \d+ skipped/.exec(run.output())?.[1]);
    expect(code).toBe(failed > 0 ? 1 : 0);
  }, 60_000);

  it('fails at once, saying to run npm run build, when the install has no build', async () => {
    const unbuilt = mkdtempSync(path.join(os.tmpdir(), 'sss-unbuilt-'));
    try {
      mkdirSync(path.join(unbuilt, 'scripts'));
      cpSync(path.join(REPO_ROOT, 'package.json'), path.join(unbuilt, 'package.json'));
      cpSync(path.join(REPO_ROOT, 'scripts', 'start.mjs'), path.join(unbuilt, 'scripts', 'start.mjs'));
      const run = npm(unbuilt, ['start'], { NODE_ENV: 'production' });
      expect((await run.exited).code).toBe(1);
      expect(run.output()).toContain(`${path.join(unbuilt, 'dist', 'server', 'main.js')} is missing: run \`npm run build\` first`);
    } finally {
      rmSync(unbuilt, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('the server build', () => {
  const outDir = () => path.relative(REPO_ROOT, path.join(dir, 'dist', 'server'));
  const packageJson = () =>
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

  it('finds every package the entry points load in dependencies', () => {
    expect(checkRuntimePackages(metafile, packageJson(), outDir())).toEqual([]);
  });

  it('refuses a package the entry points load, imported or import()ed, that only devDependencies has', () => {
    const dependencies = { ...packageJson().dependencies };
    const devDependencies = { helmet: dependencies['helmet'] ?? '' };
    delete dependencies['helmet'];
    const problems = checkRuntimePackages(metafile, { dependencies, devDependencies }, outDir());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("dist/server/main.js loads helmet, but helmet is not in package.json's dependencies");
    // selfsigned is import()ed only when a development certificate is created: checked all the same.
    const withoutSelfsigned = { ...packageJson().dependencies };
    delete withoutSelfsigned['selfsigned'];
    const withoutSelfsignedProblems = checkRuntimePackages(metafile, { dependencies: withoutSelfsigned }, outDir());
    // Every program that talks TLS; `npm run seller` only writes to the database.
    expect(withoutSelfsignedProblems.map((problem) => problem.split(' loads selfsigned')[0]).sort()).toEqual(
      Object.keys(SERVER_ENTRY_POINTS)
        .filter((name) => name !== 'seller')
        .map((name) => `dist/server/${name}.js`)
        .sort(),
    );
  });

  it('loads selfsigned only to create a development certificate, not at every start', () => {
    const startup = new Set<string>();
    const queue = [`${outDir()}/main.js`];
    while (queue.length > 0) {
      for (const imported of metafile.outputs[queue.pop() ?? '']?.imports ?? []) {
        if (imported.kind !== 'import-statement') continue;
        if (imported.external) startup.add(imported.path);
        else queue.push(imported.path);
      }
    }
    expect(startup).toContain('express');
    expect(startup).not.toContain('selfsigned');
  });

  it('carries the emulator compiled, its browser scripts included: nothing loads esbuild', () => {
    const { dependencies } = packageJson();
    expect(dependencies).not.toHaveProperty('esbuild');
    const loaded = Object.values(metafile.outputs).flatMap((output) => output.imports.map((imported) => imported.path));
    expect(loaded).not.toContain('esbuild');
    expect(Object.keys(metafile.inputs)).toContain('emulator/src/index.ts');
    expect(Object.keys(metafile.inputs)).toContain(BROWSER_SCRIPTS_COMPILER);
    expect(Object.keys(SERVER_ENTRY_POINTS).sort()).toEqual(['doctor', 'main', 'reconcile', 'seller']);
  });

  it('bundles BUNDLED_PACKAGES (no import of them is left to node_modules) and leaves every other package external', () => {
    const externals = new Set(
      Object.values(metafile.outputs).flatMap((output) => output.imports.filter((imported) => imported.external).map(({ path }) => path)),
    );
    const externalPackages = new Set([...externals].map(packageName).filter((name) => name !== null));
    expect([...BUNDLED_PACKAGES].filter((name) => externalPackages.has(name))).toEqual([]);
    expect(
      [...BUNDLED_PACKAGES].every((name) => Object.keys(metafile.inputs).some((input) => input.startsWith(`node_modules/${name}/`))),
    ).toBe(true);
    const bundledOthers = Object.keys(metafile.inputs)
      .filter((input) => input.startsWith('node_modules/'))
      .map((input) => packageName(input.slice('node_modules/'.length)))
      .filter((name) => name !== null && !BUNDLED_PACKAGES.has(name));
    expect(new Set(bundledOthers)).toEqual(new Set());
    expect(externalPackages).toContain('express');
    expect(externalPackages).toContain('better-sqlite3');
  });
});

describe('the built server in emulated mode, in an install without esbuild', () => {
  it('serves the browser scripts the build compiled', async () => {
    const [port, httpPort, emulatorPort] = [await findFreePort(), await findFreePort(), await findFreePort()];
    const logFile = path.join(dir, 'emulated.log');
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, [path.join(dir, 'dist', 'server', 'main.js')], {
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        PORT: String(port),
        HTTP_PORT: String(httpPort),
        EMULATOR_PORT: String(emulatorPort),
        DATABASE_URL: `file:${path.join(dir, 'data', 'emulated.sqlite')}`,
        ...(process.env['CATALOG_FILE'] ? { CATALOG_FILE: activeCatalogFile() } : {}),
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    try {
      await waitForHealthy(`https://localhost:${port}/healthz`, {
        ca,
        hasExited: () => child.exitCode !== null || child.signalCode !== null,
        output: () => readFileSync(logFile, 'utf8'),
      });
      const stripeJs = await get(`https://localhost:${emulatorPort}/endive/stripe.js`, ca);
      expect(stripeJs.status).toBe(200);
      expect(stripeJs.body).toContain((await buildBrowserScripts()).stripeJs);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
