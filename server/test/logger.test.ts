import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { createLogger, noteRequestLog, openRequestLog, scrubLogLine } from '../src/logger';
import type { RequestLogNote } from '../src/logger';

function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts authorization, stripe-signature, cookies and keys by path', () => {
    const { logger, text } = capture();
    logger.info(
      {
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=abc', 'stripe-signature': 't=1,v1=abcdef' } },
        headers: { authorization: 'Basic xyz', 'set-cookie': 'a=b' },
        config: { secretKey: 'plain-secret', webhookSecret: 'other-secret' },
      },
      'incoming',
    );
    const out = text();
    for (const secret of ['Bearer abc', 'sid=abc', 'v1=abcdef', 'Basic xyz', 'a=b', 'plain-secret', 'other-secret']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
    expect(JSON.parse(out)).toMatchObject({ msg: 'incoming', level: 30 });
  });

  it('masks Stripe keys and PAN-like digit runs anywhere in a line, including messages and errors', () => {
    const { logger, text } = capture();
    logger.info('key sk_live_abc123DEF and whsec_Zz9+/= in a message');
    logger.warn({ note: 'card 4242 4242 4242 4242 typed' }, 'paid with 4000-0000-0000-0002');
    logger.error({ err: new Error('failed for 4000000000009995') }, 'boom');
    const out = text();
    for (const secret of ['sk_live_abc123DEF', 'whsec_Zz9', '4242 4242 4242 4242', '4000-0000-0000-0002', '4000000000009995']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('**** **** **** 4242');
    expect(out).toContain('****-****-****-0002');
  });

  it("redacts an Account Session's client secret by path and by its shape anywhere in a line", () => {
    const { logger, text } = capture();
    logger.info({ clientSecret: 'first-secret', session: { client_secret: 'second-secret' } }, 'session');
    logger.error({ err: new Error('refused accs_secret__AbC123xyz') }, 'opened accs_secret__DeF456uvw');
    const out = text();
    for (const secret of ['first-secret', 'second-secret', 'accs_secret__AbC123xyz', 'accs_secret__DeF456uvw'])
      expect(out).not.toContain(secret);
    expect(out).not.toContain('accs_secret__');
    expect(JSON.parse(out.split('\n')[0] ?? '')).toMatchObject({ clientSecret: '[redacted]', session: { client_secret: '[redacted]' } });
  });

  it('masks card numbers in every form the security review logged: separators, tabs (escaped as \\t), NBSP, %20, full-width digits, query strings', () => {
    const { logger, text } = capture();
    const pan = '4000056655665556';
    const groups = pan.match(/.{4}/g)!;
    const fullWidth = [...groups.join(' ')].map((c) => (/\d/.test(c) ? String.fromCharCode(0xff10 + Number(c)) : c)).join('');
    const forms = [...['.', '_', '/', '+', '\t', '  ', '\u00a0', '%20', '%2520'].map((separator) => groups.join(separator)), fullWidth];
    for (const form of forms) {
      logger.warn({ blockedUrl: `https://evil.example/c?n=${form}&m=${encodeURIComponent(form)}`, note: form }, `saw ${form}`);
    }
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(forms.length);
    for (const line of lines) {
      const { blockedUrl, note, msg } = JSON.parse(line) as Record<string, string>;
      // What a reader sees once escapes and digit forms are undone: the last four digits only.
      for (const field of [blockedUrl!, note!, msg!]) {
        const decoded = decodeURIComponent(decodeURIComponent(decodeURIComponent(field)));
        expect(decoded.normalize('NFKC').replace(/\D/g, ''), field).toMatch(/^(5556)+$/);
      }
    }
  });

  it('masks a card number in a request path, percent-encoded or not, and never logs the query string', () => {
    const { logger, text } = capture();
    for (const path of [
      '/api/orders/4000%200566%205566%205556',
      '/api/orders/4000.0566.5566.5556',
      '/api/orders/%EF%BC%94000056655665556',
    ]) {
      const res = Object.assign(new EventEmitter(), { statusCode: 404, locals: {}, writableFinished: true });
      logOnClose(
        logger,
        { method: 'GET', path, url: `${path}?n=4000+0566+5566+5556`, originalUrl: `${path}?n=4000+0566+5566+5556` } as Request,
        res,
      );
      res.emit('close');
    }
    const paths = text()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { path: string }).path);
    expect(paths).toEqual(['/api/orders/****%20****%20****%205556', '/api/orders/****.****.****.5556', '/api/orders/************5556']);
  });

  it('writes a request line with nothing noted exactly as pino writes the same members, scrubbed, and only at an enabled level', () => {
    const { logger, text } = capture('info');
    const cases: { method: string; url: string; status: number; finished: boolean; note?: RequestLogNote }[] = [
      { method: 'GET', url: '/payment', status: 200, finished: true },
      { method: 'HEAD', url: '/Payment/?q=1', status: 200, finished: true },
      { method: 'GET', url: '/a"b\\c/\u00e9/%22', status: 404, finished: true },
      { method: 'GET', url: '/api/orders/4000 0566 5566 5556', status: 404, finished: true },
      { method: 'OPTIONS', url: '*', status: 400, finished: true },
      { method: 'POST', url: '/api/slow', status: 200, finished: false },
      { method: 'GET', url: '/x', status: 429, finished: true, note: { level: 'warn', msg: 'rate limited' } },
      { method: 'GET', url: '/y', status: 500, finished: true, note: { level: 'error' } },
    ];
    for (const { method, url, status, finished, note } of cases) {
      const before = text().length;
      const res = Object.assign(new EventEmitter(), { statusCode: status, locals: {}, writableFinished: finished });
      const req = { method, url, originalUrl: url } as Request;
      logOnClose(logger, req, res);
      if (note) noteRequestLog(res as unknown as Response, logger, note);
      res.emit('close');
      const written = text().slice(before);
      // What pino itself writes for the same members (the time aside): same order, escaping and scrub.
      const { ms, path } = JSON.parse(written) as { ms: number; path?: string };
      logger[note?.level ?? 'info'](
        { method, path: url === '*' ? undefined : url.split('?')[0], status, ms, ...(finished ? {} : { aborted: true }) },
        note?.msg ?? 'request',
      );
      const byPino = text().slice(before + written.length);
      const withoutTime = (line: string) => line.replace(/"time":"[^"]*"/, '"time":""');
      expect(withoutTime(written), url).toBe(withoutTime(byPino));
      expect(path ?? '', url).not.toContain('4000');
    }
    expect(text().trim().split('\n')).toHaveLength(cases.length * 2);

    const quiet = capture('warn');
    for (const note of [undefined, { level: 'warn', msg: 'refused' } as const]) {
      const res = Object.assign(new EventEmitter(), { statusCode: 403, locals: {}, writableFinished: true });
      logOnClose(quiet.logger, { method: 'GET', url: '/z', originalUrl: '/z' } as Request, res);
      if (note) noteRequestLog(res as unknown as Response, quiet.logger, note);
      res.emit('close');
    }
    expect(
      quiet
        .text()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([expect.objectContaining({ level: 40, msg: 'refused', path: '/z', status: 403 })]);
  });

  it('leaves ordinary log lines alone: Stripe ids, events, amounts, epoch seconds, ISO times, request lines', () => {
    const base62 = (length: number) =>
      fc.string({
        unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'),
        minLength: length,
        maxLength: length,
      });
    const stripeId = fc
      .tuple(fc.constantFrom('pi_', 'evt_', 'cs_test_', 'ch_', 'pm_', 'cus_', 'ord_', 'dp_', 're_'), base62(24))
      .map(([prefix, id]) => `${prefix}${id}`);
    const line = fc.record({
      level: fc.constantFrom(30, 40, 50),
      time: fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
      pid: fc.integer({ min: 1, max: 4_194_304 }),
      event: fc.record({
        id: stripeId,
        type: fc.constantFrom('checkout.session.completed', 'payment_intent.succeeded', 'charge.refunded'),
        created: fc.integer({ min: 1_600_000_000, max: 2_100_000_000 }),
      }),
      orderId: stripeId,
      amount: fc.integer({ min: 0, max: 99_999_999 }),
      path: stripeId.map((id) => `/api/orders/${id}`),
      status: fc.constantFrom(200, 201, 204, 303, 400, 404, 429, 500),
      ms: fc.integer({ min: 0, max: 30_000 }),
      reconcile: fc.record({ listed: fc.nat(100_000), processed: fc.nat(100_000), duplicate: fc.nat(100_000), failed: fc.nat(100) }),
      msg: fc.constantFrom('request', 'webhook processed', 'reconciled missed Stripe events'),
    });
    fc.assert(
      fc.property(line, (fields) => {
        const serialised = `${JSON.stringify(fields)}\n`;
        expect(scrubLogLine(serialised)).toBe(serialised);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps ordinary numbers and writes ISO timestamps (an epoch in ms could look like a PAN)', () => {
    expect(scrubLogLine('{"port":4242,"amount":3600,"orderId":"ord_abc"}')).toBe('{"port":4242,"amount":3600,"orderId":"ord_abc"}');
    const { logger, text } = capture();
    logger.info('hello');
    expect(JSON.parse(text())).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
  });
});

/** The request's one line as the request listener opens it for the app's requests: written when the response closes. */
function logOnClose(logger: Logger, req: Request, res: EventEmitter): void {
  const writeLine = openRequestLog(logger, req, res as unknown as ServerResponse);
  res.once('close', () => writeLine(true));
}
