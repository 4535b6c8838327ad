// The real client built with the project's plugins, served by the app: every script and
// stylesheet has a brotli and a gzip copy, and whichever coding the browser accepts, what it
// decodes matches the `integrity` hash on the page's tag (SRI is checked after decoding).
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_MANIFEST, isShopPage } from '../../common/pages';
import { PRECOMPRESSED_FILE, PRECOMPRESSIONS } from '../../common/precompressed';
import { startTestApp } from '../../server/test/helpers/test-app';
import type { TestApp } from '../../server/test/helpers/test-app';
import { pageLayout } from '../build/page-layout';
import { precompressAssets } from '../build/precompress';
import { sha384, subresourceIntegrity } from '../build/subresource-integrity';

const CLIENT = path.resolve(import.meta.dirname, '..', '..', 'client');
const DECODE: Record<string, (body: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync, identity: (body) => body };
const CODINGS = ['identity', ...PRECOMPRESSIONS.map(({ encoding }) => encoding)];

let dir: string;
let app: TestApp;
let sellerHeaders: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'precompress-'));
  await build({
    root: CLIENT,
    logLevel: 'silent',
    configFile: false,
    html: { cspNonce: '__CSP_NONCE__' },
    plugins: [pageLayout(), subresourceIntegrity(), precompressAssets()],
    build: {
      outDir: dir,
      emptyOutDir: true,
      modulePreload: { polyfill: false },
      rolldownOptions: { input: [...new Set(PAGE_MANIFEST.map(({ entry }) => path.join(CLIENT, entry)))] },
    },
  });
  app = await startTestApp({ clientDistDir: dir });
  // A signed-in seller, so the seller pages are served (signed out they redirect: server/test/seller-auth.test.ts).
  sellerHeaders = await app.sellerSessionHeaders();
}, 120_000);
afterAll(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

function get(target: string, acceptEncoding: string): Promise<{ status: number; encoding: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    https
      .get(`${app.url}${target}`, { ca: app.ca, agent: false, headers: { 'Accept-Encoding': acceptEncoding, ...sellerHeaders } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
        );
      })
      .on('error', reject);
  });
}

describe('precompressed scripts and stylesheets', () => {
  it('writes a smaller copy in each coding next to every built script and stylesheet, decoding to it', async () => {
    const files = (await readdir(path.join(dir, 'assets'))).filter((name) => PRECOMPRESSED_FILE.test(name));
    expect(files.some((name) => name.endsWith('.js'))).toBe(true);
    expect(files.some((name) => name.endsWith('.css'))).toBe(true);
    for (const name of files) {
      const original = await readFile(path.join(dir, 'assets', name));
      for (const { encoding, suffix } of PRECOMPRESSIONS) {
        const copy = await readFile(path.join(dir, 'assets', `${name}${suffix}`));
        expect(copy.length, `${name}${suffix}`).toBeLessThan(original.length);
        expect(DECODE[encoding]?.(copy).equals(original), `${name}${suffix}`).toBe(true);
      }
    }
  });

  // Every page the app serves outside lab mode (signed in for the seller's); the lab panel's files are in the test above.
  it.each(PAGE_MANIFEST.filter(isShopPage).map(({ route }) => route))(
    "%s: each of its scripts and stylesheets, in every coding, decodes to its tag's integrity",
    async (route) => {
      const page = await get(route, 'identity');
      expect(page.status).toBe(200);
      const tags = [...page.body.toString('utf8').matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="(\/assets\/[^"]+)"[^>]*>/g)];
      // The layout's stylesheet at least; the page's scripts when the page list gives it one.
      expect(tags.length).toBeGreaterThan(0);
      for (const [tag, url = ''] of tags) {
        const integrity = /\bintegrity="([^"]+)"/.exec(tag)?.[1];
        expect(integrity, tag).toMatch(/^sha384-/);
        for (const coding of CODINGS) {
          const res = await get(url, coding);
          expect(res.status, `${url} ${coding}`).toBe(200);
          expect(res.encoding ?? 'identity', url).toBe(coding);
          expect(sha384(DECODE[coding]?.(res.body) ?? Buffer.alloc(0)), `${url} as ${coding}`).toBe(integrity);
        }
      }
    },
  );
});
