// STRIPE_WEBHOOK_IPS: deliveries only from Stripe's published webhook addresses (or the
// ranges configured), checked on req.ip under TRUST_PROXY, before the body is read.
import { stripeEventBody } from './helpers/stripe-event';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSourceList, readStripeWebhookIps } from '../src/security/webhook-sources';
import { countRows, startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const bundled = readStripeWebhookIps();
const stripeAddress = bundled.addresses[0] ?? '';
const OUTSIDER = '198.51.100.7';

describe('the bundled list', () => {
  it('records where and when it came from', () => {
    expect(bundled.source).toBe('https://stripe.com/files/ips/ips_webhooks.json');
    expect(bundled.addresses.length).toBeGreaterThan(0);
  });

  it('allows every bundled address (also as IPv4-mapped IPv6) and nothing else', () => {
    const list = createWebhookSourceList({ stripe: true, extra: [] });
    for (const address of bundled.addresses) {
      expect(list.check(address), address).toBe(true);
      expect(list.check(`::ffff:${address}`), address).toBe(true);
    }
    for (const address of [OUTSIDER, '127.0.0.1', '::1', '::ffff:127.0.0.1', '', undefined, 'not-an-ip']) {
      expect(list.check(address), String(address)).toBe(false);
    }
  });

  it("adds configured addresses and CIDR ranges, and can leave Stripe's out", () => {
    const list = createWebhookSourceList({ stripe: false, extra: ['203.0.113.0/24', '2001:db8::/32', OUTSIDER] });
    expect(['203.0.113.200', '2001:db8::5', OUTSIDER, `::ffff:${OUTSIDER}`].map((ip) => list.check(ip))).toEqual([true, true, true, true]);
    expect(['203.0.114.1', '2001:db9::5', stripeAddress].map((ip) => list.check(ip))).toEqual([false, false, false]);
  });
});

function signedEvent(app: TestApp) {
  const body = stripeEventBody('customer.created', { id: 'cus_1', object: 'customer' });
  const signature = app.stripe.webhooks.generateTestHeaderString({ payload: body, secret: app.webhookSecret });
  return { body, headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature } };
}

describe('POST /webhooks/stripe with STRIPE_WEBHOOK_IPS=stripe', () => {
  let proxied: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    // Behind one proxy: the client is the last X-Forwarded-For address.
    proxied = await startTestApp({ webhookSources: { stripe: true, extra: [] }, trustProxyHops: 1 });
    // Reached directly over loopback, which is not one of Stripe's addresses.
    direct = await startTestApp({ webhookSources: { stripe: true, extra: [] } });
  });
  afterAll(async () => {
    await proxied.close();
    await direct.close();
  });

  it.each(bundled.addresses)("accepts a signed delivery forwarded for Stripe's %s", async (address) => {
    const { body, headers } = signedEvent(proxied);
    const res = await proxied.request('/webhooks/stripe', { method: 'POST', headers: { ...headers, 'X-Forwarded-For': address }, body });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ received: true });
  });

  it('refuses a signed delivery from another address with 403 and records nothing', async () => {
    const before = await countRows(proxied.db, 'processed_events');
    const { body, headers } = signedEvent(proxied);
    for (const forwarded of [OUTSIDER, `${stripeAddress}, ${OUTSIDER}`]) {
      const res = await proxied.request('/webhooks/stripe', {
        method: 'POST',
        headers: { ...headers, 'X-Forwarded-For': forwarded },
        body,
      });
      expect(res.status, forwarded).toBe(403);
      expect(res.json()).toEqual({
        error: { code: 'webhook_source_refused', message: "Webhooks are accepted only from Stripe's webhook addresses." },
      });
      expect(res.headers.connection).toBe('close');
    }
    expect(await countRows(proxied.db, 'processed_events')).toBe(before);
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a direct loopback sender is refused', async () => {
    const { body, headers } = signedEvent(direct);
    for (const extra of [{}, { 'X-Forwarded-For': stripeAddress }] as Record<string, string>[]) {
      const res = await direct.request('/webhooks/stripe', { method: 'POST', headers: { ...headers, ...extra }, body });
      expect(res.status).toBe(403);
    }
    expect(await countRows(direct.db, 'processed_events')).toBe(0);
  });

  it('answers a refused sender before its body is sent', async () => {
    const declared = 400 * 1024;
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        `${direct.url}/webhooks/stripe`,
        {
          method: 'POST',
          ca: direct.ca,
          agent: false,
          headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=00', 'Content-Length': String(declared) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      // Headers only: not one byte of the declared body is ever written.
      req.flushHeaders();
      setTimeout(() => reject(new Error('no answer while the body was withheld')), 5000).unref();
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'webhook_source_refused' } });
  });
});

describe('POST /webhooks/stripe without STRIPE_WEBHOOK_IPS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it('accepts a signed delivery from any address (the signature decides)', async () => {
    const { body, headers } = signedEvent(app);
    const res = await app.request('/webhooks/stripe', { method: 'POST', headers, body });
    expect(res.status).toBe(200);
  });
});
