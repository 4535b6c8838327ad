// The built files over real HTTPS: each script and stylesheet in the coding the client accepts
// best, from the copies the build wrote (never compressed on the fly), with Vary, the right
// Content-Length and a validator per coding; the file as it is otherwise.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRECOMPRESSIONS } from '../../common/precompressed';
import { fixtureAssetPaths } from '../../test-support/fixture-client';
import { EVERY_RESPONSE_HEADERS } from '../src/security/headers';
import { FIXTURE_CLIENT_DIR, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The bytes as sent (Node's client does not decode a content coding). */
function get(target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${app.url}${target}`, { method, headers, ca: app.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const DECODE: Record<string, (body: Buffer) => Buffer> = { br: brotliDecompressSync, gzip: gunzipSync };
const onDisk = (urlPath: string) => readFileSync(path.join(FIXTURE_CLIENT_DIR, urlPath));
/** The fixture's scripts, which are big enough for every coding to gain (as a real bundle is). */
const COMPRESSED = fixtureAssetPaths().filter((urlPath) => urlPath.endsWith('.js'));
/** A built file of a type the build does not compress. */
const IMAGE = '/images/enamel-mug.svg';

describe('built files in the coding the client accepts', () => {
  it('has compressed copies of the scripts to serve (the fixture is built like the real client)', () => {
    expect(COMPRESSED.length).toBeGreaterThan(0);
    for (const urlPath of COMPRESSED) {
      for (const { suffix } of PRECOMPRESSIONS) expect(onDisk(`${urlPath}${suffix}`).length).toBeLessThan(onDisk(urlPath).length);
    }
  });

  it.each(PRECOMPRESSIONS.map(({ encoding }) => encoding))(
    'sends %s to a client that accepts only it, decoding to the file',
    async (encoding) => {
      for (const urlPath of COMPRESSED) {
        const res = await get(urlPath, { 'Accept-Encoding': encoding });
        expect(res.status, urlPath).toBe(200);
        expect(res.headers['content-encoding'], urlPath).toBe(encoding);
        expect(res.headers['vary'], urlPath).toBe('Accept-Encoding');
        expect(res.headers['content-length'], urlPath).toBe(String(res.body.length));
        expect(res.headers['content-type'], urlPath).toBe('text/javascript; charset=utf-8');
        expect(res.headers['cache-control'], urlPath).toBe('public, max-age=31536000, immutable');
        for (const name of EVERY_RESPONSE_HEADERS) expect(res.headers[name], `${urlPath} ${name}`).toBeDefined();
        // Exactly the copy the build wrote: never compressed again on the fly.
        const { suffix } = PRECOMPRESSIONS.find((precompression) => precompression.encoding === encoding) ?? { suffix: '' };
        expect(res.body.equals(onDisk(`${urlPath}${suffix}`)), urlPath).toBe(true);
        expect(DECODE[encoding]?.(res.body).equals(onDisk(urlPath)), urlPath).toBe(true);
      }
    },
  );

  it.each([
    // What a browser sends: the server's first choice.
    ['gzip, deflate, br, zstd', PRECOMPRESSIONS[0]?.encoding],
    // q=0 is respected.
    [`${PRECOMPRESSIONS[0]?.encoding};q=0, ${PRECOMPRESSIONS[1]?.encoding}`, PRECOMPRESSIONS[1]?.encoding],
    ['*;q=0, identity', undefined],
    [PRECOMPRESSIONS.map(({ encoding }) => `${encoding};q=0`).join(', '), undefined],
    ['identity', undefined],
    ['deflate', undefined],
  ])('Accept-Encoding %j gets Content-Encoding %s', async (acceptEncoding, expected) => {
    const urlPath = COMPRESSED[0] ?? '';
    const res = await get(urlPath, { 'Accept-Encoding': acceptEncoding });
    expect(res.headers['content-encoding']).toBe(expected);
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.headers['content-length']).toBe(String(res.body.length));
    expect((expected === undefined ? res.body : DECODE[expected]?.(res.body))?.equals(onDisk(urlPath))).toBe(true);
  });

  it('sends the file as it is, still varying by Accept-Encoding, to a client that sends none', async () => {
    const urlPath = COMPRESSED[0] ?? '';
    const res = await get(urlPath);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.body.equals(onDisk(urlPath))).toBe(true);
    expect(res.headers['content-length']).toBe(String(onDisk(urlPath).length));
  });

  it('sends a file without compressed copies as it is, with no Vary', async () => {
    const res = await get(IMAGE, { 'Accept-Encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBeUndefined();
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.body.equals(onDisk(IMAGE))).toBe(true);
  });

  it('answers HEAD with the same headers as GET and no body', async () => {
    for (const acceptEncoding of ['br', 'gzip', 'identity']) {
      const urlPath = COMPRESSED[0] ?? '';
      const [head, full] = [
        await get(urlPath, { 'Accept-Encoding': acceptEncoding }, 'HEAD'),
        await get(urlPath, { 'Accept-Encoding': acceptEncoding }),
      ];
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      // The same headers but the date (the two answers may fall in different seconds).
      const withoutDate = (headers: IncomingHttpHeaders) => Object.entries(headers).filter(([name]) => name !== 'date');
      expect(withoutDate(head.headers)).toEqual(withoutDate(full.headers));
    }
  });

  it('gives each coding its own strong ETag, and answers a matching If-None-Match with 304', async () => {
    const urlPath = COMPRESSED[0] ?? '';
    const codings = ['identity', ...PRECOMPRESSIONS.map(({ encoding }) => encoding)];
    const etags = await Promise.all(codings.map(async (coding) => (await get(urlPath, { 'Accept-Encoding': coding })).headers['etag']));
    expect(new Set(etags).size).toBe(codings.length);
    for (const [i, coding] of codings.entries()) {
      const etag = etags[i] ?? '';
      expect(etag).toMatch(/^"[^"]+"$/);
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const res = await get(urlPath, { 'Accept-Encoding': coding, 'If-None-Match': ifNoneMatch });
        expect(res.status, `${coding} ${ifNoneMatch}`).toBe(304);
        expect(res.body.length).toBe(0);
        expect(res.headers['etag']).toBe(etag);
        expect(res.headers['vary']).toBe('Accept-Encoding');
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        for (const name of EVERY_RESPONSE_HEADERS) expect(res.headers[name], name).toBeDefined();
        expect(res.headers['content-encoding']).toBeUndefined();
      }
      // Another coding's tag does not match this one.
      const other = etags[(i + 1) % etags.length] ?? '';
      expect((await get(urlPath, { 'Accept-Encoding': coding, 'If-None-Match': other })).status).toBe(200);
    }
  });

  it('answers If-Modified-Since with 304 when the file is not newer, and If-None-Match decides when both are sent', async () => {
    const urlPath = COMPRESSED[0] ?? '';
    const { headers } = await get(urlPath);
    const lastModified = String(headers['last-modified']);
    const later = new Date(Date.parse(lastModified) + 60_000).toUTCString();
    const earlier = new Date(Date.parse(lastModified) - 60_000).toUTCString();
    expect((await get(urlPath, { 'If-Modified-Since': lastModified })).status).toBe(304);
    expect((await get(urlPath, { 'If-Modified-Since': later })).status).toBe(304);
    expect((await get(urlPath, { 'If-Modified-Since': earlier })).status).toBe(200);
    expect((await get(urlPath, { 'If-Modified-Since': 'not a date' })).status).toBe(200);
    expect((await get(urlPath, { 'If-Modified-Since': later, 'If-None-Match': '"other"' })).status).toBe(200);
  });

  it('gives the compressed copies no URL of their own', async () => {
    for (const urlPath of COMPRESSED) {
      for (const { suffix } of PRECOMPRESSIONS) {
        const res = await get(`${urlPath}${suffix}`);
        expect(res.status, `${urlPath}${suffix}`).toBe(404);
        expect(JSON.parse(res.body.toString('utf8'))).toEqual({
          error: { code: 'not_found', message: 'There is nothing at this address.' },
        });
      }
    }
  });
});
