// The request listener: handlers in front of the Express app, tried in order, one request line
// per request whichever answers, and a handler that throws answered with the generic 500.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_ERROR } from '../src/errors';
import { createLogger } from '../src/logger';
import { createRequestListener } from '../src/request-listener';
import { STARTING_ERROR, STARTING_RETRY_AFTER_SECONDS, createStartingListener } from '../src/starting-listener';
import { API_ERROR_CODES } from '../../common/api-contract';
import type { RawHandler } from '../src/request-listener';
import { commonHeaders, everyResponseHeaders } from '../src/security/headers';
import { PAGE_ROUTES } from '../../common/pages';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { waitFor } from './helpers/wait';

const SECURITY = { profile: 'production', hstsPreload: false } as const;

/** A plain HTTP server on loopback around a listener; the listener is what is under test. */
async function serve(listener: http.RequestListener) {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const get = (pathname: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        })
        .on('error', reject);
    });
  return { get, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('createRequestListener', () => {
  it('tries the handlers in order and leaves to the app what none answered', async () => {
    const seen: string[] = [];
    const handler =
      (name: string, answers: string): RawHandler =>
      (req, res) => {
        seen.push(name);
        if (req.url !== answers) return false;
        res.end(name);
        return true;
      };
    const lines: string[] = [];
    const server = await serve(
      createRequestListener({
        handlers: [handler('first', '/a'), handler('second', '/b')],
        app: (_req, res) => res.end('app'),
        logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
        commonHeaders: commonHeaders(SECURITY),
      }),
    );
    try {
      expect((await server.get('/a')).text).toBe('first');
      expect(seen.splice(0)).toEqual(['first']);
      expect((await server.get('/b?x=1')).text).toBe('app');
      expect((await server.get('/b')).text).toBe('second');
      expect(seen.splice(0)).toEqual(['first', 'second', 'first', 'second']);
      expect((await server.get('/c')).text).toBe('app');
      // Every request gets its one line here, whoever answered it: the handlers and the app.
      expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ msg: 'request', method: 'GET', path: '/a', status: 200 }),
        expect.objectContaining({ msg: 'request', method: 'GET', path: '/b', status: 200 }),
        expect.objectContaining({ msg: 'request', method: 'GET', path: '/b', status: 200 }),
        expect.objectContaining({ msg: 'request', method: 'GET', path: '/c', status: 200 }),
      ]);
    } finally {
      await server.close();
    }
  });

  it('answers a handler that throws with the generic 500 and the common headers, logs the cause, and keeps serving', async () => {
    const lines: string[] = [];
    const server = await serve(
      createRequestListener({
        handlers: [
          (req) => {
            if (req.url === '/boom') throw new Error('the cause, never sent');
            return false;
          },
        ],
        app: (_req, res) => res.end('app'),
        logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } }),
        commonHeaders: commonHeaders(SECURITY),
      }),
    );
    try {
      const res = await server.get('/boom');
      expect(res.status).toBe(500);
      expect(JSON.parse(res.text)).toEqual({ error: INTERNAL_ERROR });
      expect(res.text).not.toContain('the cause');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      for (const [name, value] of everyResponseHeaders(SECURITY)) expect(res.headers[name.toLowerCase()], name).toBe(value);
      const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toEqual([
        expect.objectContaining({
          level: 50,
          msg: 'request failed',
          path: '/boom',
          err: expect.objectContaining({ message: 'the cause, never sent' }),
        }),
        expect.objectContaining({ msg: 'request', path: '/boom', status: 500 }),
      ]);
      expect((await server.get('/next')).text).toBe('app');
    } finally {
      await server.close();
    }
  });
});

describe('the request log of the whole app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('writes one line per request, with the whole path and no query, whichever way it was answered', async () => {
    const requests = [
      ...PAGE_ROUTES.map((route) => ['GET', route, 200] as const),
      ['HEAD', PAGE_ROUTES[0] ?? '/', 200],
      ['GET', '/assets/index-Bx12cd34.js', 200],
      ['GET', '/api/products', 200],
      ['GET', '/healthz', 200],
      ['GET', '/nope', 404],
      ['POST', '/webhooks/stripe', 400],
    ] as const;
    const from = app.logLines.length;
    for (const [method, pathname, status] of requests) {
      // As the page's visitor: a signed-in seller for the seller pages.
      const res = await app.requestPage(`${pathname}?q=1`, {
        method,
        headers: { 'Content-Type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(res.status, `${method} ${pathname}`).toBe(status);
    }
    // The app writes its line when the answer has gone out, which may be just after the client has it.
    const requestLines = () =>
      app.logLines
        .slice(from)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        // The request line, whatever its message: a refused request's is 'request refused' (errors.ts).
        .filter((line) => typeof line['status'] === 'number' && typeof line['ms'] === 'number')
        .map(({ method, path, status }) => [method, path, status]);
    const lines = await waitFor(requestLines, (found) => found.length >= requests.length);
    expect(lines).toEqual(requests.map(([method, pathname, status]) => [method, pathname, status]));
  });
});

describe('createStartingListener', () => {
  it('answers 503 with Retry-After and the common headers until the app is attached, then leaves every request to it', async () => {
    const starting = createStartingListener(commonHeaders(SECURITY));
    const server = await serve(starting.listener);
    try {
      const early = await server.get('/healthz');
      expect(early.status).toBe(503);
      expect(JSON.parse(early.text)).toEqual({ error: STARTING_ERROR });
      expect(API_ERROR_CODES).toContain(STARTING_ERROR.code);
      expect(early.headers['retry-after']).toBe(String(STARTING_RETRY_AFTER_SECONDS));
      expect(early.headers['cache-control']).toBe('no-store');
      expect(early.headers['connection']).toBe('close');
      for (const [name, value] of everyResponseHeaders(SECURITY)) {
        expect(early.headers[name.toLowerCase()], name).toBe(String(value));
      }

      starting.serve((_req, res) => res.end('the app'));
      const later = await server.get('/healthz');
      expect(later.status).toBe(200);
      expect(later.text).toBe('the app');
      expect(later.headers['retry-after']).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
