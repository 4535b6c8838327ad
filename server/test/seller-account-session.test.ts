// A signed-in seller's Account Session over real HTTPS against the emulator: the seller's
// connected account is created (with controller properties) at first need and kept; the
// session opens that seller's account only, with the components the seller may use; nobody
// signed out, cross-site or over the rate limit gets one (and Stripe is not called); the
// client secret is in no log line and not in the database file.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { SELLER_API } from '../../common/api-contract';
import { DEFAULT_SELLER_TIMEOUTS } from '../src/config';
import { SELLER_ACCOUNT_CONTROLLER, SELLER_COMPONENTS } from '../src/payments/connected-accounts';
import { DEFAULT_RATE_LIMITS } from '../src/security/rate-limit';
import { SESSION_COOKIE_NAME } from '../src/security/session-cookie';
import { createSessionManager } from '../src/sellers/sessions';
import { httpsRequest } from './helpers/https-request';
import { startEmulatedApp } from './helpers/test-app';
import type { TestApp, TestAppOptions } from './helpers/test-app';
import type { Emulator } from './helpers/emulator';

let running: Awaited<ReturnType<typeof startEmulatedApp>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(options: TestAppOptions = {}) {
  running = await startEmulatedApp(options);
  return running;
}

/** A seller with a live session, as sign-in leaves one. Letters only in the address (the store's PAN guard). */
async function signedIn(app: TestApp, email: string) {
  const seller = await app.sellerStore.createSeller(email);
  const id = await createSessionManager(app.sellerStore, DEFAULT_SELLER_TIMEOUTS).start(seller.id);
  return { seller, headers: { Cookie: `${SESSION_COOKIE_NAME}=${id}` } };
}

function requestSession(app: TestApp, headers: Record<string, string> = {}) {
  return app.request(SELLER_API.accountSession, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: app.url, 'Sec-Fetch-Site': 'same-origin', ...headers },
    body: '{}',
  });
}

/** What the Connect.js stand-in learns from a client secret: the one account it opens, and its components. */
async function openedBy(emulator: Emulator, clientSecret: string) {
  const res = await httpsRequest(`${emulator.url}/v1.0/api/session`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${clientSecret}`, 'Content-Type': 'application/json' },
    body: '{}',
    ca: emulator.ca,
  });
  expect(res.status, res.text).toBe(200);
  return res.json() as { account: string; components: Record<string, { enabled: boolean; features: Record<string, boolean> }> };
}

async function accountCount(app: TestApp): Promise<number> {
  return (await app.stripe.accounts.list({ limit: 100 })).data.length;
}

describe('POST /api/seller/account-session', () => {
  it("creates the seller's connected account at first need, then opens that account only, every time", async () => {
    const { app, emulator } = await start();
    const maker = await signedIn(app, 'maker@example.com');
    const potter = await signedIn(app, 'potter@example.com');

    const first = await requestSession(app, maker.headers);
    expect(first.status, first.text).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(Object.keys(first.json() as object)).toEqual(['clientSecret']);
    const account = (await app.sellerStore.findSellerById(maker.seller.id))?.stripeAccountId;
    expect(account).toMatch(/^acct_/);
    const opened = await openedBy(emulator, (first.json() as { clientSecret: string }).clientSecret);
    expect(opened.account).toBe(account);
    // Exactly the components (and features) the seller may use, each enabled.
    const enabled = Object.entries(opened.components).filter(([, settings]) => settings.enabled);
    expect(enabled.map(([name]) => name).sort()).toEqual(Object.keys(SELLER_COMPONENTS).sort());
    for (const [name, settings] of Object.entries(SELLER_COMPONENTS)) {
      expect(opened.components[name]).toMatchObject({ enabled: true, features: 'features' in settings ? settings.features : {} });
    }

    const created = await app.stripe.accounts.retrieve(account ?? '');
    expect(created.controller).toMatchObject(SELLER_ACCOUNT_CONTROLLER);
    expect(created.email).toBe(maker.seller.email);
    expect(created.metadata).toEqual({ seller_id: maker.seller.id });

    // Again: the same account, no second one.
    const again = await requestSession(app, maker.headers);
    expect((await openedBy(emulator, (again.json() as { clientSecret: string }).clientSecret)).account).toBe(account);
    expect(await accountCount(app)).toBe(1);

    // Another seller: an account of their own, never the first seller's.
    const other = await requestSession(app, potter.headers);
    const otherAccount = (await app.sellerStore.findSellerById(potter.seller.id))?.stripeAccountId;
    expect(otherAccount).toMatch(/^acct_/);
    expect(otherAccount).not.toBe(account);
    expect((await openedBy(emulator, (other.json() as { clientSecret: string }).clientSecret)).account).toBe(otherAccount);
    expect(await accountCount(app)).toBe(2);
  });

  it('refuses a signed-out visitor, an ended session and a cross-site request without calling Stripe', async () => {
    const { app } = await start();
    const maker = await signedIn(app, 'maker@example.com');

    const visitors: Record<string, string>[] = [{}, { Cookie: `${SESSION_COOKIE_NAME}=${'A'.repeat(43)}` }];
    for (const headers of visitors) {
      const res = await requestSession(app, headers);
      expect(res.status).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'not_signed_in', message: expect.any(String) } });
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const crossSite = await requestSession(app, { ...maker.headers, Origin: 'https://shop.example.evil', 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    expect((crossSite.json() as { error: { code: string } }).error.code).toBe('cross_site_request');
    const notJson = await app.request(SELLER_API.accountSession, { method: 'POST', headers: { ...maker.headers, Origin: app.url } });
    expect(notJson.status).toBe(415);

    expect(await accountCount(app)).toBe(0);
    expect((await app.sellerStore.findSellerById(maker.seller.id))?.stripeAccountId).toBeNull();
  });

  it('has a rate limit of its own', async () => {
    const accountSessions = 2;
    const { app } = await start({ rateLimits: { ...DEFAULT_RATE_LIMITS, accountSessions } });
    const maker = await signedIn(app, 'maker@example.com');
    for (let i = 0; i < accountSessions; i++) expect((await requestSession(app, maker.headers)).status).toBe(200);
    const limited = await requestSession(app, maker.headers);
    expect(limited.status).toBe(429);
    expect((limited.json() as { error: { code: string } }).error.code).toBe('rate_limited');
  });

  it('keeps the client secret out of every log line and out of the database file', async () => {
    const { app } = await start();
    const maker = await signedIn(app, 'maker@example.com');
    const res = await requestSession(app, maker.headers);
    const { clientSecret } = res.json() as { clientSecret: string };
    expect(clientSecret.length).toBeGreaterThan(20);

    expect(app.logLines.some((line) => line.includes(SELLER_API.accountSession))).toBe(true);
    expect(app.logLines.join('')).not.toContain(clientSecret);
    // The database's files (SQLite writes ahead to -wal): the account id is there, the secret is not.
    expect(app.dbFile).not.toBeNull();
    const files = [app.dbFile ?? '', `${app.dbFile}-wal`].filter((file) => existsSync(file));
    const bytes = Buffer.concat(files.map((file) => readFileSync(file)));
    const account = (await app.sellerStore.findSellerById(maker.seller.id))?.stripeAccountId ?? '';
    expect(account).toMatch(/^acct_/);
    expect(bytes.includes(account)).toBe(true);
    expect(bytes.includes(clientSecret)).toBe(false);
  });
});
