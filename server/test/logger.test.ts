import { describe, expect, it } from 'vitest';
import { createLogger, scrubLogLine } from '../src/logger';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  return { logger, text: () => lines.join('') };
}

describe('logger', () => {
  it('redacts authorization, stripe-signature, cookies and keys by path', () => {
    const { logger, text } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer abc', cookie: 'sid=abc', 'stripe-signature': 't=1,v1=abcdef' } },
      headers: { authorization: 'Basic xyz', 'set-cookie': 'a=b' },
      config: { secretKey: 'plain-secret', webhookSecret: 'other-secret' },
    }, 'incoming');
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
    expect(out).toContain('[redacted-pan]');
  });

  it('keeps ordinary numbers and writes ISO timestamps (an epoch in ms could look like a PAN)', () => {
    expect(scrubLogLine('{"port":4242,"amount":3600,"orderId":"ord_abc"}')).toBe('{"port":4242,"amount":3600,"orderId":"ord_abc"}');
    const { logger, text } = capture();
    logger.info('hello');
    expect(JSON.parse(text())).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
  });
});
