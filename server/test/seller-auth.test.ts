// The seller area over real HTTPS: enrol a passkey from a one-time link, sign in, sign out, with
// a software authenticator answering the WebAuthn ceremonies as a browser's would. The session
// cookie's attributes exactly, rotation at sign-in, idle and absolute expiry, the origin check,
// the ceremonies' rate limit, and the signed-in-only page.
import { afterEach, describe, expect, it } from 'vitest';
import { SELLER_API } from '../../common/api-contract';
import { PAGE_MANIFEST, SELLER_SIGN_IN_ROUTE, type PageEntry } from '../../common/pages';
import { DEFAULT_SELLER_TIMEOUTS } from '../src/config';
import { DEFAULT_RATE_LIMITS } from '../src/security/rate-limit';
import { SESSION_COOKIE_NAME } from '../src/security/session-cookie';
import { addSeller } from '../src/sellers/enrolment';
import { createSoftwareAuthenticator } from '../../test-support/passkey-authenticator';
import { startTestApp } from './helpers/test-app';
import type { TestApp, TestAppOptions } from './helpers/test-app';

const EMAIL = 'maker@example.com';
const SELLER_PAGES: readonly PageEntry[] = PAGE_MANIFEST.filter((entry: PageEntry) => entry.access === 'seller');
const cookieAttributes = (maxAgeMs: number) => `Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${maxAgeMs / 1000}`;

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(options: TestAppOptions = {}): Promise<TestApp> {
  app = await startTestApp(options);
  return app;
}

function post(target: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  return target.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: target.url, 'Sec-Fetch-Site': 'same-origin', ...headers },
    body: JSON.stringify(body),
  });
}

/** The session id a response's Set-Cookie hands out, checking every attribute (Max-Age: the absolute timeout). */
function sessionFrom(setCookie: string[] | undefined, maxAgeMs = DEFAULT_SELLER_TIMEOUTS.sessionMaxMs): string {
  expect(setCookie).toHaveLength(1);
  const match = new RegExp(`^${SESSION_COOKIE_NAME}=([A-Za-z0-9_-]{43}); ${cookieAttributes(maxAgeMs)}$`).exec(setCookie?.[0] ?? '');
  expect(match, setCookie?.[0]).not.toBeNull();
  return match?.[1] ?? '';
}

const CLEARED_COOKIE = `${SESSION_COOKIE_NAME}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
const withSession = (id: string) => ({ Cookie: `${SESSION_COOKIE_NAME}=${id}` });

/** Adds a seller as the CLI does and enrols a passkey from the link; returns the session and the link's token. */
async function enrol(target: TestApp, maxAgeMs = DEFAULT_SELLER_TIMEOUTS.sessionMaxMs, authenticator = createSoftwareAuthenticator()) {
  const link = await addSeller(target.sellerStore, { email: EMAIL, publicUrl: target.url, linkMs: DEFAULT_SELLER_TIMEOUTS.enrolLinkMs });
  const token = new URL(link.url).searchParams.get('token') ?? '';
  const options = await post(target, SELLER_API.enrolOptions, { token });
  expect(options.status, options.text).toBe(200);
  const credential = authenticator.register(options.json() as Parameters<typeof authenticator.register>[0], { origin: target.url });
  const res = await post(target, SELLER_API.enrol, { token, credential });
  expect(res.status, res.text).toBe(201);
  return { session: sessionFrom(res.headers['set-cookie'] as string[], maxAgeMs), token, authenticator, seller: link.seller };
}

async function signIn(
  target: TestApp,
  authenticator: ReturnType<typeof createSoftwareAuthenticator>,
  headers: Record<string, string> = {},
) {
  const options = await post(target, SELLER_API.signInOptions, {});
  expect(options.status, options.text).toBe(200);
  const credential = authenticator.authenticate(options.json() as { challenge: string; rpId: string }, { origin: target.url });
  return post(target, SELLER_API.signIn, { credential }, headers);
}

async function me(target: TestApp, id: string) {
  return target.request(SELLER_API.me, { headers: withSession(id) });
}

describe('seller sign-in with passkeys', () => {
  it('enrols from the link once, signs the seller in, and shows the seller page', async () => {
    const target = await start();
    const { session, token, authenticator } = await enrol(target);
    expect((await me(target, session)).json()).toEqual({ email: EMAIL });

    const again = await post(target, SELLER_API.enrolOptions, { token });
    expect(again.status).toBe(400);
    expect(again.json()).toEqual({ error: { code: 'invalid_enrolment_link', message: expect.any(String) } });
    const passkeys = await target.sellerStore.listPasskeys((await target.sellerStore.findSellerByEmail(EMAIL))?.id ?? '');
    expect(passkeys).toHaveLength(1);
    expect(authenticator.credentials).toHaveLength(1);

    for (const page of SELLER_PAGES) {
      const res = await target.request(page.route, { headers: withSession(session) });
      expect(res.status).toBe(200);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain(`data-entry="${page.entry.replace(/\.html$/, '')}"`);
    }
  });

  it('refuses an expired link and an answer for another origin, changing nothing', async () => {
    const target = await start();
    const link = await addSeller(target.sellerStore, { email: EMAIL, publicUrl: target.url, linkMs: 1, now: Date.now() - 1_000 });
    const expired = await post(target, SELLER_API.enrolOptions, { token: new URL(link.url).searchParams.get('token') });
    expect(expired.status).toBe(400);
    expect((expired.json() as { error: { code: string } }).error.code).toBe('invalid_enrolment_link');

    const fresh = await addSeller(target.sellerStore, { email: 'other@example.com', publicUrl: target.url, linkMs: 60_000 });
    const token = new URL(fresh.url).searchParams.get('token') ?? '';
    const authenticator = createSoftwareAuthenticator();
    const options = (await post(target, SELLER_API.enrolOptions, { token })).json() as Parameters<typeof authenticator.register>[0];
    const phished = authenticator.register(options, { origin: 'https://shop.example.evil' });
    const res = await post(target, SELLER_API.enrol, { token, credential: phished });
    expect(res.status).toBe(401);
    expect((res.json() as { error: { code: string } }).error.code).toBe('passkey_verification_failed');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await target.sellerStore.listPasskeys(fresh.seller.id)).toEqual([]);
    expect(await target.sellerStore.findEnrolmentToken((await import('../src/sellers/secrets')).hashSecret(token))).toBe(fresh.seller.id);
  });

  it('rotates the session at sign-in: the id sent with it no longer signs anyone in', async () => {
    const target = await start();
    const { session, authenticator } = await enrol(target);
    const res = await signIn(target, authenticator, withSession(session));
    expect(res.status, res.text).toBe(200);
    const rotated = sessionFrom(res.headers['set-cookie'] as string[]);
    expect(rotated).not.toBe(session);
    expect((await me(target, rotated)).status).toBe(200);
    expect((await me(target, session)).status).toBe(401);
  });

  it('refuses a passkey it does not know, and a replayed answer', async () => {
    const target = await start();
    const stranger = createSoftwareAuthenticator();
    stranger.register({ challenge: 'x', rp: { id: 'localhost' }, user: { id: 'someone' } }, { origin: target.url });
    const unknown = await signIn(target, stranger);
    expect(unknown.status).toBe(401);
    expect((unknown.json() as { error: { code: string } }).error.code).toBe('passkey_not_recognised');

    const { authenticator } = await enrol(target);
    const options = (await post(target, SELLER_API.signInOptions, {})).json() as { challenge: string; rpId: string };
    const credential = authenticator.authenticate(options, { origin: target.url });
    expect((await post(target, SELLER_API.signIn, { credential })).status).toBe(200);
    const replay = await post(target, SELLER_API.signIn, { credential });
    expect(replay.status).toBe(401);
    expect(replay.headers['set-cookie']).toBeUndefined();
  });

  it('signs out: the cookie is cleared and the session is gone', async () => {
    const target = await start();
    const { session } = await enrol(target);
    const res = await post(target, SELLER_API.signOut, {}, withSession(session));
    expect(res.status).toBe(204);
    expect(res.headers['set-cookie']).toEqual([CLEARED_COOKIE]);
    expect((await me(target, session)).status).toBe(401);
  });

  it('ends a session after the idle timeout, and after the absolute one however busy', async () => {
    let now = Date.now();
    const timeouts = { ...DEFAULT_SELLER_TIMEOUTS, sessionIdleMs: 60_000, sessionMaxMs: 150_000 };
    const target = await start({ sellers: { timeouts, clock: () => now } as TestAppOptions['sellers'] });
    const { session, authenticator } = await enrol(target, timeouts.sessionMaxMs);
    now += timeouts.sessionIdleMs - 1;
    expect((await me(target, session)).status).toBe(200);
    now += timeouts.sessionIdleMs;
    const idle = await me(target, session);
    expect(idle.status).toBe(401);
    expect(idle.headers['set-cookie']).toEqual([CLEARED_COOKIE]);

    const busy = sessionFrom((await signIn(target, authenticator)).headers['set-cookie'] as string[], timeouts.sessionMaxMs);
    const started = now;
    while (now + 50_000 < started + timeouts.sessionMaxMs) {
      now += 50_000;
      expect((await me(target, busy)).status).toBe(200);
    }
    now = started + timeouts.sessionMaxMs;
    expect((await me(target, busy)).status).toBe(401);
  });
});

describe('seller guards', () => {
  it('sends a signed-out visitor of a seller page to the sign-in page, and answers the API with 401', async () => {
    const target = await start();
    for (const page of SELLER_PAGES) {
      for (const headers of [{}, withSession('A'.repeat(43)), withSession('not-even-shaped')]) {
        const res = await target.request(page.route, { headers });
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe(SELLER_SIGN_IN_ROUTE);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.text).not.toContain('data-entry');
      }
    }
    const res = await target.request(SELLER_API.me);
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'not_signed_in', message: 'Sign in to the seller area first.' } });
  });

  it('refuses cross-site ceremonies and sign-outs, changing nothing', async () => {
    const target = await start();
    const { session } = await enrol(target);
    const crossSite: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const path of [SELLER_API.signInOptions, SELLER_API.signIn, SELLER_API.enrolOptions, SELLER_API.enrol, SELLER_API.signOut]) {
      for (const headers of crossSite) {
        const res = await post(target, path, {}, { ...headers, ...withSession(session) });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect((res.json() as { error: { code: string } }).error.code).toBe('cross_site_request');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    }
    expect((await me(target, session)).status).toBe(200);
  });

  it('rate-limits the ceremonies per client', async () => {
    const sellerAuth = 3;
    const target = await start({ rateLimits: { ...DEFAULT_RATE_LIMITS, sellerAuth } });
    for (let i = 0; i < sellerAuth; i++) expect((await post(target, SELLER_API.signInOptions, {})).status).toBe(200);
    const limited = await post(target, SELLER_API.signIn, { credential: {} });
    expect(limited.status).toBe(429);
    expect((limited.json() as { error: { code: string } }).error.code).toBe('rate_limited');
    expect((await post(target, SELLER_API.enrolOptions, { token: 'A'.repeat(43) })).status).toBe(429);
  });

  it('answers malformed requests with a 4xx and no cookie', async () => {
    const target = await start();
    const cases: [string, string | undefined, number][] = [
      [SELLER_API.signIn, JSON.stringify({ credential: { id: 'x' } }), 400],
      [SELLER_API.signIn, JSON.stringify({ credential: 'x', extra: 1 }), 400],
      [SELLER_API.enrolOptions, JSON.stringify({ token: 'short' }), 400],
      [SELLER_API.enrol, JSON.stringify({ token: 'A'.repeat(43) }), 400],
      [SELLER_API.signIn, 'not json', 400],
    ];
    for (const [path, body, status] of cases) {
      const res = await target.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status, `${path} ${body}`).toBe(status);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const text = await target.request(SELLER_API.signInOptions, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
  });
});
