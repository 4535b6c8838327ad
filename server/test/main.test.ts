// The real entry point as a child process: emulated-mode startup with the in-process
// emulator, the banner, startup failures with fix-it messages, and SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CERT_DIR, ensureDevCertificate } from '../../common/dev-certs';
import { spawnScript, type ScriptProcess } from '../../test-support/app-launcher';
import { findFreePort } from '../../test-support/app-health';
import { payOnHostedPage } from './helpers/emulator';
import { httpsRequest } from './helpers/https-request';
import { FIXTURE_CLIENT_DIR } from './helpers/test-app';
import { startTlsProxy } from './helpers/tls-proxy';
import { activeCatalogFile, fixtureCatalogFile, itemAt, loadActiveCatalog, loadFixtureCatalog } from '../../test-support/catalog';

const catalog = loadActiveCatalog();

const started: ScriptProcess[] = [];
afterEach(async () => {
  for (const main of started.splice(0)) {
    await main.kill();
    rmSync(main.dir, { recursive: true, force: true });
  }
});

/** main.ts with the test pages, ports chosen by the OS (read from the banner) and `env`. */
function startMain(env: Record<string, string>, dotenv?: string): ScriptProcess {
  // A temp working directory, so a developer's .env never leaks into the test.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sss-main-'));
  if (dotenv !== undefined) writeFileSync(path.join(dir, '.env'), dotenv);
  const fullEnv = {
    PORT: '0',
    HTTP_PORT: '0',
    CLIENT_DIST_DIR: FIXTURE_CLIENT_DIR,
    EMULATOR_PORT: '0',
    DATABASE_URL: `file:${path.join(dir, 'app.sqlite')}`,
    CATALOG_FILE: activeCatalogFile(),
    ...env,
  };
  const main = spawnScript({ script: 'server/src/main.ts', dir, env: fullEnv });
  started.push(main);
  return main;
}

async function waitForBanner(main: ScriptProcess): Promise<{ shop: string; httpPort: number }> {
  for (let i = 0; i < 300; i++) {
    const shop = /Shop:\s+(https:\/\/localhost:\d+)/.exec(main.output());
    const redirect = /HTTP redirect: http:\/\/localhost:(\d+)/.exec(main.output());
    if (shop?.[1] && redirect?.[1]) return { shop: shop[1], httpPort: Number(redirect[1]) };
    if (main.hasExited()) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no banner:\n${main.output()}`);
}

/** A hosted checkout started through `shop` and paid on the emulator's page with 4242; its session id. */
async function buyOneItem(shop: string, ca: string): Promise<string> {
  const created = await httpsRequest(`${shop}/api/checkout-sessions`, {
    ca,
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ items: [itemAt(catalog, 0)] }),
  });
  expect(created.status).toBe(201);
  const checkoutUrl = (created.json() as { url: string }).url;
  expect((await payOnHostedPage({ url: new URL(checkoutUrl).origin, ca }, checkoutUrl, '4242 4242 4242 4242')).status).toBe(303);
  return checkoutUrl.split('/').at(-1) ?? '';
}

describe('main.ts', () => {
  it('starts in emulated mode with the emulator in-process and its webhooks wired in, then stops on SIGTERM', async () => {
    const { ca, caPath } = await ensureDevCertificate();
    const main = startMain({});
    const { shop, httpPort } = await waitForBanner(main);
    expect(main.output()).toContain('running in emulated mode');
    expect(main.output()).toContain(`NODE_EXTRA_CA_CERTS=${caPath}`);
    expect(main.output()).toMatch(/Emulator:\s+https:\/\/localhost:\d+/);

    const redirect = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      http
        .get({ host: 'localhost', port: httpPort, path: '/api/config' }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        })
        .on('error', reject);
    });
    expect(redirect).toEqual({ status: 308, location: `${shop}/api/config` });

    const config = await httpsRequest(`${shop}/api/config`, { ca });
    // With local origins the client loads the emulator's Stripe.js stand-in, and the CSP of
    // the Stripe.js pages names the emulator in place of Stripe; hosted pages need none.
    const emulatorOrigin = /Emulator:\s+(https:\/\/localhost:\d+)/.exec(main.output())?.[1] ?? '';
    expect(config.json()).toEqual({
      publishableKey: 'pk_test_emulated',
      mode: 'emulated',
      stripeJsUrl: `${emulatorOrigin}/endive/stripe.js`,
      connectJsUrl: `${emulatorOrigin}/v1.0/connect.js`,
    });
    const page = await httpsRequest(`${shop}/`, { ca });
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    // Development headers on https://localhost: browsers keep HSTS per host name, so a lasting
    // policy here would upgrade every other local server; max-age=0 clears one left behind.
    expect(page.headers['strict-transport-security']).toBe('max-age=0');
    expect(main.output()).toMatch(/Headers:\s+development: HSTS max-age=0/);
    expect(page.headers['content-security-policy']).not.toContain(emulatorOrigin);
    const paymentPage = await httpsRequest(`${shop}/payment`, { ca });
    expect(paymentPage.headers['content-security-policy']).toContain(`frame-src ${emulatorOrigin};`);
    expect(paymentPage.headers['content-security-policy']).not.toContain('stripe.com');

    const sessionId = await buyOneItem(shop, ca);

    // The emulator delivers checkout.session.completed to our webhook with the generated secret.
    // Wait for the event to be processed (not the success page's fallback): poll the log.
    for (let i = 0; i < 200 && !/"type":"checkout.session.completed","result":"processed"/.test(main.output()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(main.output()).toMatch(/"type":"checkout.session.completed","result":"processed"/);
    const order = await httpsRequest(`${shop}/api/orders/${sessionId}`, { ca });
    expect(order.json()).toMatchObject({ status: 'paid', card: { brand: 'visa', last4: '4242' } });
    expect(main.output()).not.toContain('4242 4242 4242 4242');

    // SIGTERM with a request in flight: it still gets its answer, then the process exits.
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = https.request(
        `${shop}/api/checkout-sessions`,
        { method: 'POST', ca, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.write(`{"items":[{"productId":${JSON.stringify(itemAt(catalog, 0).productId)},`);
      setTimeout(() => {
        main.child.kill('SIGTERM');
        setTimeout(() => req.end('"quantity":1}]}'), 300);
      }, 100);
    });
    expect(await inFlight).toBe(201);
    expect(await main.exited).toEqual({ code: 0, signal: null });
    expect(main.output()).toContain('stopped');
    await expect(httpsRequest(`${shop}/healthz`, { ca })).rejects.toThrow();
  });

  it('TLS_MODE=proxy: listens plain HTTP on PORT with no redirect server, and takes a purchase through the TLS proxy in front', async () => {
    const { ca } = await ensureDevCertificate();
    const port = await findFreePort();
    const proxy = await startTlsProxy(port);
    try {
      const main = startMain({ TLS_MODE: 'proxy', TRUST_PROXY: '1', PUBLIC_URL: proxy.url, PORT: String(port), HTTP_PORT: '' });
      const listening = await main.waitForLogLine((line) => line['msg'] === 'listening', { what: 'listening', timeoutMs: 60_000 });
      expect(listening).toMatchObject({ mode: 'emulated', tlsMode: 'proxy', port, httpPort: null });
      expect(main.output()).toContain(
        `TLS:           by the proxy in front (TLS_MODE=proxy); this process serves plain HTTP on port ${port}`,
      );
      expect(main.output()).not.toContain('HTTP redirect:');

      // Plain HTTP on PORT: the health check answers, anything else not forwarded from https is
      // redirected to PUBLIC_URL, and a TLS handshake finds no TLS server.
      const plain = (target: string) => httpsRequest(`http://127.0.0.1:${port}${target}`, { ca });
      expect((await plain('/healthz')).json()).toEqual({ status: 'ok' });
      const redirect = await plain('/api/config?x=1');
      expect([redirect.status, redirect.headers.location]).toEqual([308, `${proxy.url}/api/config?x=1`]);
      await expect(httpsRequest(`https://localhost:${port}/healthz`, { ca })).rejects.toThrow();

      // Through the proxy: the shop with production-grade headers of a loopback origin, a checkout,
      // and the emulator's webhook delivered to PUBLIC_URL (through the proxy) and processed.
      const page = await httpsRequest(`${proxy.url}/`, { ca });
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(page.headers['strict-transport-security']).toBe('max-age=0');
      await buyOneItem(proxy.url, ca);
      await main.waitForLogLine((line) => line['type'] === 'checkout.session.completed' && line['result'] === 'processed', {
        what: 'the processed webhook',
      });

      main.child.kill('SIGTERM');
      expect(await main.exited).toEqual({ code: 0, signal: null });
    } finally {
      await proxy.close();
    }
    // A cold start of main.ts through tsx alone can take many seconds on a busy machine.
  }, 90_000);

  it('reads a .env file in the working directory', async () => {
    const main = startMain({}, 'STRIPE_SECRET_KEY=sk_test_fromdotenv\nSTRIPE_PUBLISHABLE_KEY=pk_live_fromdotenv\n');
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.output()).toContain('STRIPE_PUBLISHABLE_KEY is a live-mode key but STRIPE_SECRET_KEY is a test-mode key');
  });

  it('answers every request from the moment it listens: none hangs while the app behind is assembled', async () => {
    const { ca } = await ensureDevCertificate();
    const port = await findFreePort();
    const main = startMain({ PORT: String(port) });
    // Probes back to back from the spawn on. Before the fix, one that came after listen() and
    // before the app was attached found no 'request' listener and was never answered.
    const outcomes: string[] = [];
    while (outcomes.at(-1) !== '200' && !main.hasExited() && outcomes.length < 2_000) {
      outcomes.push(await probe(`https://localhost:${port}/healthz`, ca));
    }
    expect(outcomes.at(-1), main.output()).toBe('200');
    expect(outcomes.filter((outcome) => !['refused', '503', '200'].includes(outcome))).toEqual([]);
  });

  it('says which variable to change when the port is taken', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const main = startMain({ PORT: String(port) });
      expect(await main.exited).toEqual({ code: 1, signal: null });
      expect(main.output()).toContain(`Port ${port} is in use: stop the other process, or set PORT to a free port.`);
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['a live key with nothing else', { STRIPE_SECRET_KEY: 'sk_live_abc' }, /Live mode needs a real certificate/],
    [
      'mismatched keys',
      { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_PUBLISHABLE_KEY: 'pk_live_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh1234' },
      /use the pk_test_/,
    ],
    ['a missing client build', { CLIENT_DIST_DIR: '/nonexistent/dist/client' }, /Run `npm run build` first/],
    [
      'a SQLite file in a folder tree that does not exist',
      { DATABASE_URL: 'file:/nonexistent/dir/app.sqlite' },
      /DATABASE_URL=file:\/nonexistent\/dir\/app\.sqlite names a SQLite file in \/nonexistent\/dir, and neither that folder nor \/nonexistent exists\. Create the folder/,
    ],
    [
      'a SQLite path it cannot open (a folder)',
      { DATABASE_URL: `file:${os.tmpdir()}` },
      new RegExp(`Could not open the SQLite database ${os.tmpdir()} \\(DATABASE_URL=file:${os.tmpdir()}\\): unable to open database file`),
    ],
    [
      'emulated mode (fake payments) with NODE_ENV=production',
      { NODE_ENV: 'production' },
      /Emulated mode \(no STRIPE_SECRET_KEY\) takes fake payments, so it does not start with NODE_ENV=production\. Set STRIPE_SECRET_KEY/,
    ],
    [
      'TLS_MODE=proxy without TRUST_PROXY or PUBLIC_URL',
      { TLS_MODE: 'proxy', HTTP_PORT: '' },
      /TLS_MODE=proxy needs TRUST_PROXY set to the number of proxies.*\n.*TLS_MODE=proxy needs PUBLIC_URL, the https:\/\/ address customers use/,
    ],
    [
      'TLS_MODE=proxy with a certificate the proxy would never serve',
      {
        TLS_MODE: 'proxy',
        TRUST_PROXY: '1',
        PUBLIC_URL: 'https://localhost:8443',
        HTTP_PORT: '',
        TLS_CERT_FILE: '/a.pem',
        TLS_KEY_FILE: '/b.pem',
      },
      /TLS_CERT_FILE only applies with TLS_MODE=app; with TLS_MODE=proxy the proxy serves the certificate/,
    ],
    [
      'emulated mode (fake payments) on a PUBLIC_URL customers could reach',
      { PUBLIC_URL: 'https://shop.example.com' },
      /takes fake payments, so it only runs on a loopback PUBLIC_URL.*not on https:\/\/shop\.example\.com/,
    ],
  ])('stops at startup on %s with a message that says what to fix', async (_name, env, message) => {
    const main = startMain(env);
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.output()).toMatch(message);
    expect(main.output()).not.toContain('sk_live_abc');
  });

  it('stops at startup on a catalog Stripe would refuse, naming the file, the product, the field and the fix', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sss-catalog-'));
    try {
      const file = path.join(dir, 'catalog.json');
      const good = {
        id: 'linen-apron',
        name: 'Linen apron',
        description: 'Stonewashed.',
        unitAmount: 3450,
        image: '/images/placeholder.svg',
      };
      writeFileSync(
        file,
        JSON.stringify({ currency: 'eur', products: [good, { ...good, id: 'tea-towel', unitAmount: 40, image: '/images/tea-towel.png' }] }),
      );
      const main = startMain({ CATALOG_FILE: file });
      expect(await main.exited).toEqual({ code: 1, signal: null });
      expect(main.output()).toContain(
        `The catalog ${file} has problems (fix the file, or point CATALOG_FILE at another; see docs/customize.md):`,
      );
      expect(main.output()).toContain(
        '  - products[1] "tea-towel": image "/images/tea-towel.png" does not exist: put the file at client/public/images/tea-towel.png or fix the path',
      );
      expect(main.output()).toContain(
        '  - products[1] "tea-towel": unitAmount 40 (€0.40) is below Stripe\'s minimum charge of 50 (€0.50) for eur: raise it to at least 50',
      );
      expect(main.output()).not.toContain('Startup failed');
      expect(main.output()).not.toContain('listening');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sells the catalog CATALOG_FILE names, relative to the repository whatever the working directory', async () => {
    const jpy = loadFixtureCatalog('jpy-one');
    const main = startMain({ CATALOG_FILE: path.relative(path.resolve(import.meta.dirname, '..', '..'), fixtureCatalogFile('jpy-one')) });
    const { shop } = await waitForBanner(main);
    const { ca } = await ensureDevCertificate();
    expect((await httpsRequest(`${shop}/api/products`, { ca })).json()).toEqual({ currency: 'jpy', products: jpy.products });
  });

  it('stops live mode that would serve the development certificate for PUBLIC_URL=https://shop.example.com', async () => {
    await ensureDevCertificate();
    const main = startMain({
      EMULATOR_PORT: '',
      STRIPE_SECRET_KEY: 'sk_live_abc',
      STRIPE_PUBLISHABLE_KEY: 'pk_live_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh1234',
      PUBLIC_URL: 'https://shop.example.com',
      TLS_CERT_FILE: path.join(DEFAULT_CERT_DIR, 'localhost.pem'),
      TLS_KEY_FILE: path.join(DEFAULT_CERT_DIR, 'localhost-key.pem'),
    });
    expect(await main.exited).toEqual({ code: 1, signal: null });
    expect(main.output()).toMatch(
      /TLS_CERT_FILE comes from the development CA.*for shop\.example\.com\. Set TLS_CERT_FILE and TLS_KEY_FILE/,
    );
    expect(main.output()).not.toContain('listening');
  });
});

/** One GET on a connection of its own: its status, `refused` before the port listens, or `no answer` after 5 s. */
function probe(url: string, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const request = https.get(url, { ca, agent: false, timeout: 5_000 }, (response) => {
      response.resume();
      resolve(String(response.statusCode));
    });
    request.on('timeout', () => {
      request.destroy();
      resolve('no answer');
    });
    request.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? 'error')));
  });
}
