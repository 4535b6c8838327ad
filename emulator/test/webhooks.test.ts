// Webhook delivery to real HTTPS endpoints: Stripe's signature (verified with the SDK's
// constructEvent), retries after failures, timeouts and refused connections, and that
// delivery never holds up the API.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestSession,
  payOnHostedPage,
  request,
  startTestEmulator,
  startWebhookReceiver,
  waitFor,
  type TestEmulator,
  type WebhookReceiver,
} from './helpers';
import { WEBHOOK_CONNECTIONS_PER_ENDPOINT } from '../src/webhooks/delivery';

const SECRET = 'whsec_testSecretForEmulatorWebhooks';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(
  answer?: (attempt: number) => number | 'hang',
  options: { timeoutMs?: number } = {},
): Promise<{ t: TestEmulator; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver(answer);
  cleanups.push(() => receiver.close());
  const t = await startTestEmulator({
    webhookEndpoints: [{ url: receiver.url, secret: SECRET }],
    ...(options.timeoutMs ? { webhookTimeoutMs: options.timeoutMs } : {}),
  });
  cleanups.push(() => t.close());
  return { t, receiver };
}

describe('webhook delivery', () => {
  it('delivers every event, signed so that stripe.webhooks.constructEvent verifies it', async () => {
    const { t, receiver } = await setUp();
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session);
    await waitFor(() => receiver.received.length === 3);
    const verified = receiver.received.map((hook) => t.stripe.webhooks.constructEvent(hook.body, hook.signature, SECRET));
    expect(verified.map((event) => event.type).sort()).toEqual([
      'charge.succeeded',
      'checkout.session.completed',
      'payment_intent.succeeded',
    ]);
    for (const hook of receiver.received) expect(hook.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    // Like Stripe's sender, the emulator delivers over TLS 1.2 even to an endpoint that offers 1.3.
    expect(receiver.received.map((hook) => hook.protocol)).toEqual(['TLSv1.2', 'TLSv1.2', 'TLSv1.2']);
    const completed = verified.find((event) => event.type === 'checkout.session.completed');
    const fromApi = await t.stripe.events.retrieve(completed?.id ?? '');
    expect(completed).toMatchObject({
      id: fromApi.id,
      type: fromApi.type,
      data: fromApi.data,
      api_version: fromApi.api_version,
      livemode: false,
    });
    await waitFor(() => t.logs.filter((line) => line.includes('"webhook delivered"')).length === 3);
    expect((await t.stripe.events.retrieve(fromApi.id)).pending_webhooks).toBe(0);
  });

  it('does not verify with another secret or a tampered body', async () => {
    const { t, receiver } = await setUp();
    const session = await createTestSession(t.stripe);
    await t.stripe.checkout.sessions.expire(session.id);
    await waitFor(() => receiver.received.length === 1);
    const [hook] = receiver.received;
    if (!hook) throw new Error('no webhook');
    expect(() => t.stripe.webhooks.constructEvent(hook.body, hook.signature, 'whsec_someOtherSecret123')).toThrow(/signature/i);
    expect(() => t.stripe.webhooks.constructEvent(hook.body.replace('expired', 'complete'), hook.signature, SECRET)).toThrow(/signature/i);
  });

  it('retries after the endpoint fails twice, then succeeds, and shows each attempt on the dashboard', async () => {
    const { t, receiver } = await setUp((attempt) => (attempt <= 2 ? 500 : 200));
    const session = await createTestSession(t.stripe);
    await t.stripe.checkout.sessions.expire(session.id);
    await waitFor(() => receiver.received.length === 1);
    expect(receiver.attempts).toBe(3);
    const [hook] = receiver.received;
    if (!hook) throw new Error('no webhook');
    expect(t.stripe.webhooks.constructEvent(hook.body, hook.signature, SECRET).type).toBe('checkout.session.expired');
    await waitFor(() => t.logs.some((line) => line.includes('"webhook delivered"')));
    const dashboard = await request(`${t.emulator.url}/`);
    const rows = dashboard.body.split('id="webhook-attempts"')[1]?.split('<tbody>')[1] ?? '';
    expect(rows.match(/<tr>/g)).toHaveLength(3);
    expect(rows.match(/class="bad">500/g)).toHaveLength(2);
    expect(rows).toContain('class="ok">200');
    expect(rows).toContain(receiver.url);
  });

  it('retries after a timeout', async () => {
    const { t, receiver } = await setUp((attempt) => (attempt === 1 ? 'hang' : 204), { timeoutMs: 100 });
    const session = await createTestSession(t.stripe);
    await t.stripe.checkout.sessions.expire(session.id);
    await waitFor(() => receiver.received.length === 1);
    expect(receiver.attempts).toBe(2);
    const dashboard = await request(`${t.emulator.url}/`);
    expect(dashboard.body).toContain('timed out after 100 ms');
  });

  it('retries after a refused connection, then gives up after the schedule', async () => {
    const receiver = await startWebhookReceiver();
    const deadUrl = receiver.url;
    await receiver.close();
    const t = await startTestEmulator({ webhookEndpoints: [{ url: deadUrl, secret: SECRET }], webhookRetryDelaysMs: [5, 5] });
    cleanups.push(() => t.close());
    const session = await createTestSession(t.stripe);
    const expired = await t.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    const [event] = (await t.stripe.events.list()).data;
    await waitFor(() => t.logs.filter((line) => line.includes('webhook delivery failed')).length === 3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(t.logs.filter((line) => line.includes('webhook delivery failed'))).toHaveLength(3);
    expect((await t.stripe.events.retrieve(event?.id ?? '')).pending_webhooks).toBe(0);
  });

  it('never holds up the API or the hosted page while an endpoint hangs', async () => {
    const { t, receiver } = await setUp(() => 'hang', { timeoutMs: 10_000 });
    const session = await createTestSession(t.stripe);
    const started = Date.now();
    const paid = await payOnHostedPage(session);
    expect(paid.status).toBe(303);
    const [event] = (await t.stripe.events.list({ limit: 1 })).data;
    expect(Date.now() - started).toBeLessThan(1_000);
    await waitFor(() => receiver.attempts >= 1);
    expect(event?.pending_webhooks).toBe(1);
  });

  it('delivers a burst of events over at most WEBHOOK_CONNECTIONS_PER_ENDPOINT connections, each kept open for the next', async () => {
    // Every answer takes a while, so the whole burst is in flight at once.
    const receiver = await startWebhookReceiver(() => 200, { holdMs: 100 });
    cleanups.push(() => receiver.close());
    const t = await startTestEmulator({ webhookEndpoints: [{ url: receiver.url, secret: SECRET }] });
    cleanups.push(() => t.close());
    const burst = WEBHOOK_CONNECTIONS_PER_ENDPOINT * 3;
    const sessions = await Promise.all(Array.from({ length: burst }, () => createTestSession(t.stripe)));
    await Promise.all(sessions.map((session) => t.stripe.checkout.sessions.expire(session.id)));
    await waitFor(() => receiver.received.length === burst, 10_000);
    expect(receiver.attempts).toBe(burst);
    expect(receiver.connections).toBeGreaterThan(0);
    expect(receiver.connections).toBeLessThanOrEqual(WEBHOOK_CONNECTIONS_PER_ENDPOINT);
    expect(new Set(receiver.received.map((hook) => JSON.parse(hook.body).data.object.id))).toEqual(new Set(sessions.map(({ id }) => id)));
  });

  it('delivers to endpoints added after start, each with its own secret', async () => {
    const { t, receiver } = await setUp();
    const second = await startWebhookReceiver();
    cleanups.push(() => second.close());
    t.emulator.addWebhookEndpoint({ url: second.url, secret: 'whsec_secondEndpointSecret' });
    const session = await createTestSession(t.stripe);
    await t.stripe.checkout.sessions.expire(session.id);
    await waitFor(() => receiver.received.length === 1 && second.received.length === 1);
    const [hook] = second.received;
    if (!hook) throw new Error('no webhook');
    expect(t.stripe.webhooks.constructEvent(hook.body, hook.signature, 'whsec_secondEndpointSecret').type).toBe('checkout.session.expired');
    expect(() => t.emulator.addWebhookEndpoint({ url: second.url, secret: 'not-a-secret' })).toThrow(/whsec_/);
  });
});
