// `npm run webhook-ips:refresh` against a local stand-in for stripe.com serving fixtures:
// a good list rewrites the bundled file; anything else leaves it untouched.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';
import { refreshStripeWebhookIps } from '../webhook-ips/refresh';
import { STRIPE_WEBHOOK_IPS_FILE, createWebhookSourceList, readStripeWebhookIps } from '../../server/src/security/webhook-sources';

const PUBLISHED = { WEBHOOKS: ['3.18.12.63', '203.0.113.10', '2001:db8::10', '3.18.12.63'] };
const responses: Record<string, { status: number; body: string }> = {
  '/files/ips/ips_webhooks.json': { status: 200, body: JSON.stringify(PUBLISHED) },
  '/not-json': { status: 200, body: '<html>maintenance</html>' },
  '/wrong-shape': { status: 200, body: JSON.stringify({ WEBHOOKS: ['3.18.12.63', 'stripe.com'] }) },
  '/empty': { status: 200, body: JSON.stringify({ WEBHOOKS: [] }) },
  '/down': { status: 503, body: '' },
};

let server: Server;
let origin: string;
let ca: string;
let dir: string;
let file: string;
beforeAll(async () => {
  const dev = await ensureDevCertificate();
  ca = dev.ca;
  server = createServer({ cert: dev.cert, key: dev.key }, (req, res) => {
    const answer = responses[req.url ?? ''] ?? { status: 404, body: '' };
    res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'webhook-ips-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  file = path.join(dir, 'stripe-webhook-ips.json');
  copyFileSync(fileURLToPath(STRIPE_WEBHOOK_IPS_FILE), file);
});

describe('refreshStripeWebhookIps', () => {
  it("rewrites the list from Stripe's JSON, with its source and date, and says what changed", async () => {
    const before = readStripeWebhookIps(file).addresses;
    const url = new URL('/files/ips/ips_webhooks.json', origin);
    const result = await refreshStripeWebhookIps({ url, ca, file, now: new Date('2026-12-01T10:00:00Z') });
    const expected = [...new Set(PUBLISHED.WEBHOOKS)];
    expect(readStripeWebhookIps(file)).toEqual({
      source: url.href,
      retrieved: '2026-12-01',
      note: expect.stringContaining('webhook-ips:refresh'),
      addresses: expected,
    });
    expect(result.added).toEqual(expected.filter((a) => !before.includes(a)));
    expect(result.removed).toEqual(before.filter((a) => !expected.includes(a)));
    // The app reads what the command wrote.
    const list = createWebhookSourceList({ stripe: true, extra: [] }, readStripeWebhookIps(file).addresses);
    expect(expected.every((address) => list.check(address))).toBe(true);
  });

  it.each([
    ['/not-json', /did not answer JSON/],
    ['/wrong-shape', /not in the expected form/],
    ['/empty', /not in the expected form/],
    ['/down', /answered 503/],
  ])('leaves the list untouched when %s', async (pathname, message) => {
    const original = readFileSync(file, 'utf8');
    await expect(refreshStripeWebhookIps({ url: new URL(pathname, origin), ca, file })).rejects.toThrow(message);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('refuses a plain-HTTP source', async () => {
    await expect(refreshStripeWebhookIps({ url: new URL('http://stripe.com/files/ips/ips_webhooks.json'), file })).rejects.toThrow(/HTTPS/);
  });
});
