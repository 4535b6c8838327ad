// Webhook endpoints as an API resource (configured and created ones listed alike, the secret shown
// once, delivery only to enabled endpoints subscribed to the event), the account, and restricted
// keys limited to their permissions, with Stripe's errors.
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStripeClient,
  createTestSession,
  payOnHostedPage,
  startTestEmulator,
  startWebhookReceiver,
  waitFor,
  type TestEmulator,
} from './helpers';

const CONFIGURED_SECRET = 'whsec_configuredEndpointSecret';
const RESTRICTED_KEY = 'rk_test_emulatorRestricted123';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startTestEmulator>[0] = {}): Promise<TestEmulator> {
  const t = await startTestEmulator(options);
  cleanups.push(() => t.close());
  return t;
}

describe('webhook endpoints', () => {
  it('lists the configured endpoints, without their secrets', async () => {
    const t = await start({ webhookEndpoints: [{ url: 'https://localhost:1/webhooks/stripe', secret: CONFIGURED_SECRET }] });
    const list = await t.stripe.webhookEndpoints.list({ limit: 10 });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      object: 'webhook_endpoint',
      url: 'https://localhost:1/webhooks/stripe',
      status: 'enabled',
      enabled_events: ['*'],
      api_version: Stripe.API_VERSION,
      livemode: false,
    });
    expect(list.data[0]?.id).toMatch(/^we_/);
    expect(list.data[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(list)).not.toContain(CONFIGURED_SECRET);
  });

  it('creates an endpoint, returns its whsec_ secret once, and retrieves and updates it without the secret', async () => {
    const t = await start();
    const created = await t.stripe.webhookEndpoints.create({
      url: 'https://shop.example.com/webhooks/stripe',
      enabled_events: ['checkout.session.completed', 'charge.refunded'],
      api_version: '2024-06-20',
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{20,}$/);
    expect(created).toMatchObject({ enabled_events: ['checkout.session.completed', 'charge.refunded'], api_version: '2024-06-20' });
    const retrieved = await t.stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved).not.toHaveProperty('secret');
    const shown = (endpoint: object) => Object.entries(endpoint).filter(([key]) => key !== 'secret' && key !== 'lastResponse');
    expect(shown(retrieved)).toEqual(shown(created));
    const disabled = await t.stripe.webhookEndpoints.update(created.id, { disabled: true });
    expect(disabled.status).toBe('disabled');
    expect((await t.stripe.webhookEndpoints.list()).data.map((endpoint) => endpoint.status)).toEqual(['disabled']);
  });

  it('answers Stripe-shaped errors for an unknown endpoint and bad parameters', async () => {
    const t = await start();
    await expect(t.stripe.webhookEndpoints.retrieve('we_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
    await expect(t.stripe.webhookEndpoints.create({ url: 'not a url', enabled_events: ['*'] })).rejects.toMatchObject({
      statusCode: 400,
      param: 'url',
    });
    await expect(
      t.stripe.webhookEndpoints.create({ url: 'https://shop.example.com/webhooks/stripe' } as Stripe.WebhookEndpointCreateParams),
    ).rejects.toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'enabled_events' });
    expect(await t.stripe.webhookEndpoints.list()).toMatchObject({ data: [] });
  });

  it('delivers an event only to enabled endpoints subscribed to its type', async () => {
    const everything = await startWebhookReceiver();
    const completedOnly = await startWebhookReceiver();
    const disabled = await startWebhookReceiver();
    cleanups.push(
      () => everything.close(),
      () => completedOnly.close(),
      () => disabled.close(),
    );
    const t = await start({
      webhookEndpoints: [
        { url: everything.url, secret: CONFIGURED_SECRET },
        { url: completedOnly.url, secret: CONFIGURED_SECRET, enabledEvents: ['checkout.session.completed'] },
      ],
    });
    const off = await t.stripe.webhookEndpoints.create({ url: disabled.url, enabled_events: ['*'] });
    await t.stripe.webhookEndpoints.update(off.id, { disabled: true });
    await payOnHostedPage(await createTestSession(t.stripe));
    await waitFor(() => everything.received.length === 3 && completedOnly.received.length === 1);
    const typeOf = (body: string) => (JSON.parse(body) as { type: string }).type;
    expect(completedOnly.received.map((hook) => typeOf(hook.body))).toEqual(['checkout.session.completed']);
    expect(disabled.attempts).toBe(0);
  });
});

describe('account', () => {
  it('reports an account that can take charges by default', async () => {
    const t = await start();
    const account = await t.stripe.accounts.retrieve(null);
    expect(account).toMatchObject({ object: 'account', charges_enabled: true, details_submitted: true });
    expect(account.id).toMatch(/^acct_/);
  });

  it('reports an account that cannot take charges when told to', async () => {
    const t = await start({ account: { chargesEnabled: false, detailsSubmitted: false } });
    expect(await t.stripe.accounts.retrieve(null)).toMatchObject({ charges_enabled: false, details_submitted: false });
  });
});

describe('restricted keys', () => {
  const permissions = ['rak_checkout_session_write', 'rak_charge_read'];

  it('allows what the key was granted (write includes read) and refuses the rest with Stripe 403 naming the permission', async () => {
    const t = await start({ restrictedKeys: [{ key: RESTRICTED_KEY, permissions }] });
    const restricted = createStripeClient(t.emulator, RESTRICTED_KEY);
    await expect(restricted.checkout.sessions.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
    await expect(createTestSession(restricted)).resolves.toMatchObject({ object: 'checkout.session' });
    await expect(restricted.charges.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
    const account = await t.stripe.accounts.retrieve(null);
    const refused = await restricted.paymentIntents.list({ limit: 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(refused).toMatchObject({ statusCode: 403, rawType: 'invalid_request_error' });
    expect((refused as Error).message).not.toContain(RESTRICTED_KEY);
    expect((refused as Error).message).toBe(
      `The provided key 'rk_test_${'*'.repeat(RESTRICTED_KEY.length - 'rk_test_'.length - 4)}${RESTRICTED_KEY.slice(-4)}' does not have the required permissions for this endpoint on account '${account.id}'. Having the 'rak_payment_intent_read' permission would allow this request to continue.`,
    );
    await expect(restricted.charges.retrieve('ch_missing')).rejects.toMatchObject({ statusCode: 404 });
    await expect(restricted.webhookEndpoints.create({ url: 'https://a.example/w', enabled_events: ['*'] })).rejects.toMatchObject({
      statusCode: 403,
      message: expect.stringContaining("'rak_webhook_write'") as unknown,
    });
  });

  it('refuses a restricted key it was not given, and secret keys keep every permission', async () => {
    const t = await start({ restrictedKeys: [{ key: RESTRICTED_KEY, permissions }] });
    await expect(createStripeClient(t.emulator, 'rk_test_someOtherKey123').charges.list()).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
    });
    await expect(t.stripe.paymentIntents.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
  });

  it('refuses a malformed restricted-key option at startup', async () => {
    await expect(start({ restrictedKeys: [{ key: 'rk_live_nope12345', permissions: [] }] })).rejects.toThrow(
      /restrictedKeys\.0\.key must be a test-mode restricted key/,
    );
  });
});

describe('lists', () => {
  it('lists checkout sessions newest first with limit and starting_after', async () => {
    const t = await start();
    const first = await createTestSession(t.stripe);
    const second = await createTestSession(t.stripe);
    const page = await t.stripe.checkout.sessions.list({ limit: 1 });
    expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/checkout/sessions' });
    expect(page.data.map((session) => session.id)).toEqual([second.id]);
    const next = await t.stripe.checkout.sessions.list({ limit: 1, starting_after: second.id });
    expect(next.data.map((session) => session.id)).toEqual([first.id]);
    expect(next.has_more).toBe(false);
  });
});
