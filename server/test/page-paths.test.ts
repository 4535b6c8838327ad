// No spelling of a page's path gets its template out without the nonce and CSP (an outside
// review found this): `/payment%2ehtml` used to pass a `.html` check made on the still-encoded path,
// and the static server decoded it and sent the raw template, with a public Cache-Control.
// Every page of the server's own page list is asked for under many encodings of its route
// and its file (fixed forms, then generated ones, over real HTTPS with the raw request
// target); every answer must be the page with its CSP and `no-store`, or a JSON error.
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuiltAssets } from '../src/routes/built-assets';
import { NONCE_PLACEHOLDER, PAGE_FILES, type PageFile } from '../src/routes/pages';
import { FIXTURE_CLIENT_DIR, startTestApp, type TestApp } from './helpers/test-app';
import { fixtureAssetPaths, nameOf } from '../../test-support/fixture-client';

const SEED = 20_261_201;

let app: TestApp;
let agent: https.Agent;
let sellerHeaders: Record<string, string>;
beforeAll(async () => {
  app = await startTestApp();
  agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: app.ca });
  sellerHeaders = await app.sellerSessionHeaders();
});
afterAll(async () => {
  agent.destroy();
  await app.close();
});

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends `target` exactly as given (URL parsing would resolve dots and backslashes first). */
function getRaw(target: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // As a signed-in seller, so the seller pages are pages here too (signed out, they redirect: seller-auth.test.ts).
    const headers = sellerHeaders;
    const req = https.request({ hostname: 'localhost', port: app.port, path: target, method: 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A page with its nonce and CSP, never cached; or a JSON error. Nothing else, ever. */
function expectPageOrJsonError(target: string, res: RawResponse) {
  const why = `GET ${target} answered ${res.status} ${String(res.headers['content-type'])}`;
  expect(res.body, why).not.toContain(NONCE_PLACEHOLDER);
  expect(String(res.headers['cache-control']), why).not.toMatch(/public/);
  if (res.status === 200) {
    expect(res.headers['content-type'], why).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control'], why).toBe('no-store');
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(String(res.headers['content-security-policy']))?.[1];
    expect(nonce, `${why} without a nonce in its CSP`).toBeDefined();
    expect(res.body, why).toContain(`nonce="${nonce}"`);
    expect(
      PAGE_FILES.some(({ file }) => res.body.includes(`data-entry="${nameOf(file)}"`)),
      why,
    ).toBe(true);
  } else {
    expect(res.status, why).toBeGreaterThanOrEqual(400);
    expect(res.status, why).toBeLessThan(500);
    expect(res.headers['content-type'], why).toMatch(/^application\/json/);
    expect(res.headers['content-security-policy'], why).toBeUndefined();
    expect(JSON.parse(res.body), why).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  }
}

/** Percent-encodes every UTF-8 byte of `text` (upper- or lower-case hex). */
function percent(text: string, lower = false): string {
  const hex = [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return lower ? hex : hex.toUpperCase();
}

const OVERLONG_UTF8: Record<string, string> = { '.': '%C0%AE', '/': '%C0%AF' };

/** How to spell one character of a path. Characters outside Latin-1 cannot go on the wire raw. */
const SPELLINGS = {
  raw: (ch) => (ch.charCodeAt(0) > 0xff ? percent(ch) : ch),
  upper: (ch) => (ch.charCodeAt(0) > 0xff ? percent(ch) : ch.toUpperCase()),
  percent: (ch) => percent(ch),
  percentLower: (ch) => percent(ch, true),
  doublePercent: (ch) => percent(ch).replaceAll('%', '%25'),
  // An overlong UTF-8 '.' or '/', which a careless decoder turns back into the character.
  overlong: (ch) => OVERLONG_UTF8[ch] ?? ch,
  backslash: (ch) => (ch === '/' ? '\\' : ch),
} satisfies Record<string, (ch: string) => string>;

/** Spells each character after the leading '/', which a request target must start with. */
function spellAfterFirst(form: string, spell: (ch: string, index: number) => string): string {
  return `/${[...form.slice(1)].map((ch, i) => spell(ch, i)).join('')}`;
}

/**
 * The ways to name a page's template or route that a decoder, a path normaliser or a
 * case-insensitive file system might take for it, before any per-character spelling.
 */
function pathForms({ route, file }: PageFile): string[] {
  const stem = file.replace(/\.html$/, '');
  const lookAlikeDots = ['\u2024', '\uFF0E', '\u3002', '\uFE52'];
  return [
    `/${file}`,
    `${route}.html`,
    `${route}/index.html`,
    `/${file}/`,
    `/${file}.`,
    `/${file}..`,
    `/${file}%20`,
    `/${file}%00`,
    `/${file};x=1`,
    `/${file}?x=1`,
    `/${stem}.htm`,
    `/${stem}.HTML`,
    `/${file.toUpperCase()}`,
    `//${file}`,
    `/./${file}`,
    `/%2f${file}`,
    `/%5c${file}`,
    `/\\${file}`,
    `/assets/../${file}`,
    `/assets/%2e%2e/${file}`,
    `/assets%2f..%2f${file}`,
    `/assets\\..\\${file}`,
    `/images/../${file}`,
    `/${stem}%2ehtml`,
    `/${stem}%2Ehtml`,
    `/${stem}%252ehtml`,
    `/${stem}%c0%aehtml`,
    ...lookAlikeDots.map((dot) => `/${stem}${percent(dot)}html`),
    route,
    `${route}/`,
    route.toUpperCase(),
  ];
}

describe('page paths under every encoding', () => {
  it('answers each fixed spelling of every page with the page and its CSP, or a JSON error', async () => {
    // Each form as it is, then with only its dots or every character spelled another way.
    const targets = new Set<string>();
    for (const entry of PAGE_FILES) {
      for (const form of pathForms(entry)) {
        targets.add(form);
        for (const spell of [SPELLINGS.percent, SPELLINGS.doublePercent, SPELLINGS.overlong]) {
          targets.add(spellAfterFirst(form, (ch) => (ch === '.' ? spell(ch) : ch)));
          targets.add(spellAfterFirst(form, spell));
        }
      }
    }
    const statuses = new Set<number>();
    const queue = [...targets];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
          const res = await getRaw(target);
          statuses.add(res.status);
          expectPageOrJsonError(target, res);
        }
      }),
    );
    // The forms include each route as it is, so pages were served too, not only errors.
    expect(statuses).toContain(200);
    expect(statuses).toContain(404);
  }, 120_000);

  it('answers generated spellings of every page the same way', async () => {
    const page = fc.constantFrom(...PAGE_FILES);
    // Mostly raw, so that one or two odd characters in an otherwise plain path are common.
    const spelling = fc.oneof(
      { weight: 40, arbitrary: fc.constant(SPELLINGS.raw) },
      ...Object.values(SPELLINGS).map((spell) => ({ weight: 1, arbitrary: fc.constant(spell) })),
    );
    const target = page
      .chain((entry) => fc.tuple(fc.constantFrom(...pathForms(entry)), fc.array(spelling, { minLength: 64, maxLength: 64 })))
      .map(([form, spells]) => spellAfterFirst(form, (ch, i) => spells[i % spells.length]?.(ch) ?? ch));
    await fc.assert(
      fc.asyncProperty(target, async (path) => {
        expectPageOrJsonError(path, await getRaw(path));
      }),
      { seed: SEED, numRuns: 700 },
    );
  }, 120_000);

  it('still serves the built assets, also when their path is percent-encoded', async () => {
    for (const target of [
      '/assets/index-Bx12cd34.js',
      '/assets/index%2DBx12cd34.js',
      '/assets%2Findex-Bx12cd34.js',
      '/images/enamel-mug.svg',
    ]) {
      const res = await getRaw(target);
      expect(res.status, target).toBe(200);
      expect(res.headers['content-security-policy'], target).toBeUndefined();
      expect(res.headers['content-type'], target).not.toMatch(/html/);
    }
    expect((await getRaw('/assets/index-Bx12cd34.js')).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await getRaw('/images/enamel-mug.svg')).headers['cache-control']).toBe('public, max-age=3600');
  });
});

describe('the built assets the static server may send', () => {
  let clientDir: string;
  beforeAll(async () => {
    clientDir = await mkdtemp(path.join(tmpdir(), 'built-assets-'));
    await cp(FIXTURE_CLIENT_DIR, clientDir, { recursive: true });
    // What else a Vite build (or a stray copy into dist/) can leave next to the pages.
    await mkdir(path.join(clientDir, '.vite'));
    await writeFile(path.join(clientDir, '.vite', 'manifest.json'), '{}');
    await writeFile(path.join(clientDir, '.env'), 'STRIPE_SECRET_KEY=sk_test_x');
    await writeFile(path.join(clientDir, 'assets', 'stray.html'), '<script>alert(1)</script>');
    await writeFile(path.join(clientDir, 'assets', 'stray.HTM'), '<script>alert(1)</script>');
    await writeFile(
      path.join(clientDir, 'images', 'stray.xhtml'),
      '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    );
    await writeFile(path.join(clientDir, 'robots.txt'), 'User-agent: *');
  });
  afterAll(async () => {
    await rm(clientDir, { recursive: true, force: true });
  });

  it('are every built file except HTML and dotfiles, listed once by URL path', () => {
    const images = readdirSync(path.join(FIXTURE_CLIENT_DIR, 'images')).map((file) => `/images/${file}`);
    expect([...listBuiltAssets(clientDir).keys()].sort()).toEqual([...fixtureAssetPaths(), ...images, '/robots.txt'].sort());
  });

  it('are all the app serves from that folder: stray HTML, dotfiles and pages get a JSON 404', async () => {
    const strays = await startTestApp({ clientDistDir: clientDir });
    try {
      for (const target of [
        '/assets/stray.html',
        '/assets/stray.HTM',
        '/images/stray.xhtml',
        '/.vite/manifest.json',
        '/.env',
        ...PAGE_FILES.map(({ file }) => `/${file}`),
      ]) {
        const res = await strays.request(target);
        expect(res.status, target).toBe(404);
        expect(res.json(), target).toEqual({ error: { code: 'not_found', message: 'There is nothing at this address.' } });
      }
      expect((await strays.request('/robots.txt')).status).toBe(200);
    } finally {
      await strays.close();
    }
  });
});
