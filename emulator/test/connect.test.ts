// Connect with the real stripe SDK: connected accounts with controller properties, Account
// Sessions, destination charges (refused while the account cannot take charges; on success a
// transfer and an application fee; refunds reversing both), `account.updated` delivered to
// Connect endpoints only, and the components' API open to one account per client secret.
import https from 'node:https';
import type Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestSession, payOnHostedPage, startTestEmulator, startWebhookReceiver, waitFor, type TestEmulator } from './helpers';

const SECRET = 'whsec_connectEndpointSecret';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startTestEmulator>[0] = {}): Promise<TestEmulator> {
  const t = await startTestEmulator(options);
  cleanups.push(() => t.close());
  return t;
}

const CONTROLLER: Stripe.AccountCreateParams.Controller = {
  fees: { payer: 'application' },
  losses: { payments: 'application' },
  stripe_dashboard: { type: 'none' },
  requirement_collection: 'application',
};

function createSellerAccount(t: TestEmulator) {
  return t.stripe.accounts.create({ controller: CONTROLLER, country: 'US', email: 'maker@example.com' });
}

function createSellerSession(t: TestEmulator, account: string) {
  return t.stripe.accountSessions.create({
    account,
    components: {
      account_onboarding: { enabled: true },
      notification_banner: { enabled: true },
      payments: { enabled: true, features: { refund_management: true, dispute_management: true } },
      payouts: { enabled: true },
    },
  });
}

interface ComponentAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A call to the components' API, as a component frame makes it (JSON, the client secret as a bearer token). */
function callComponents(t: TestEmulator, method: 'GET' | 'POST', path: string, secret: string, body?: unknown): Promise<ComponentAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${t.emulator.url}/v1.0/api${path}`, {
      method,
      ca: t.emulator.ca,
      headers: { authorization: `Bearer ${secret}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }),
      );
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const TEST_DETAILS = {
  businessName: 'Test Maker',
  email: 'maker@example.com',
  businessUrl: 'https://example.com',
  productDescription: 'Handmade goods',
  routingNumber: '110000000',
  accountNumber: '000123456789',
  tosAccepted: true,
};

async function onboard(t: TestEmulator, account: string): Promise<void> {
  const session = await createSellerSession(t, account);
  const answer = await callComponents(t, 'POST', `/accounts/${account}/onboarding`, session.client_secret, TEST_DETAILS);
  expect(answer.status).toBe(200);
}

describe('connected accounts', () => {
  it('creates an account with controller properties that cannot take charges until onboarded, and retrieves and lists it', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    expect(account.id).toMatch(/^acct_/);
    expect(account).toMatchObject({
      object: 'account',
      type: 'none',
      controller: {
        type: 'application',
        is_controller: true,
        fees: { payer: 'application' },
        losses: { payments: 'application' },
        stripe_dashboard: { type: 'none' },
        requirement_collection: 'application',
      },
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      capabilities: { card_payments: 'inactive', transfers: 'inactive' },
      requirements: { disabled_reason: 'requirements.past_due' },
    });
    expect(account.requirements?.currently_due).toContain('external_account');
    const shown = (object: object) => Object.entries(object).filter(([key]) => key !== 'lastResponse');
    expect(shown(await t.stripe.accounts.retrieve(account.id))).toEqual(shown(account));
    const other = await createSellerAccount(t);
    expect((await t.stripe.accounts.list({ limit: 10 })).data.map((listed) => listed.id)).toEqual([other.id, account.id]);
  });

  it('answers an unknown account and bad controller values with Stripe errors', async () => {
    const t = await start();
    await expect(t.stripe.accounts.retrieve('acct_missing')).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing' });
    await expect(t.stripe.accounts.create({ controller: { ...CONTROLLER, stripe_dashboard: { type: 'sideways' } } })).rejects.toMatchObject(
      { statusCode: 400, param: 'controller[stripe_dashboard][type]' },
    );
    expect((await t.stripe.accounts.list()).data).toEqual([]);
  });
});

describe('actions', () => {
  it('onboards a connected account without a browser, as the onboarding form does', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    expect(t.emulator.actions.onboardConnectedAccount(account.id)).toMatchObject({ details_submitted: true, charges_enabled: true });
    expect(await t.stripe.accounts.retrieve(account.id)).toMatchObject({ details_submitted: true, payouts_enabled: true });
    expect(() => t.emulator.actions.onboardConnectedAccount(account.id)).toThrow(/already been onboarded/);
    expect(() => t.emulator.actions.onboardConnectedAccount('acct_missing')).toThrow(/No such account/);
  });
});

describe('account sessions', () => {
  it('answers an accs_secret__ client secret for one hour, with the requested components enabled and the rest off', async () => {
    const now = Date.now();
    const t = await start({ clock: () => now });
    const account = await createSellerAccount(t);
    const session = await createSellerSession(t, account.id);
    expect(session).toMatchObject({
      object: 'account_session',
      account: account.id,
      livemode: false,
      expires_at: Math.floor(now / 1000) + 3600,
    });
    expect(session.client_secret).toMatch(/^accs_secret__[A-Za-z0-9]{40}$/);
    expect(session.components.payments).toEqual({
      enabled: true,
      features: {
        capture_payments: true,
        destination_on_behalf_of_charge_management: false,
        dispute_management: true,
        refund_management: true,
        smart_disputes_management: false,
      },
    });
    expect(session.components.account_onboarding.enabled).toBe(true);
    expect(session.components.account_management.enabled).toBe(false);
    expect(session.components.balances.enabled).toBe(false);
    // The secret is shown to the platform's server, never written to the emulator's log.
    expect(t.logs.join('')).not.toContain(session.client_secret);
  });

  it('refuses an unknown account and a component the stand-in does not render', async () => {
    const t = await start();
    await expect(
      t.stripe.accountSessions.create({ account: 'acct_missing', components: { payments: { enabled: true } } }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'account' });
    const account = await createSellerAccount(t);
    await expect(
      t.stripe.accountSessions.create({ account: account.id, components: { tax_settings: { enabled: true } } }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'components[tax_settings]' });
  });
});

describe('destination charges', () => {
  it('refuses a PaymentIntent or a Checkout Session to an account that cannot take charges, and creates nothing', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    const refusal = {
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      code: 'insufficient_capabilities_for_transfer',
    };
    await expect(
      t.stripe.paymentIntents.create({
        amount: 5000,
        currency: 'usd',
        transfer_data: { destination: account.id },
        application_fee_amount: 500,
      }),
    ).rejects.toMatchObject({ ...refusal, param: 'transfer_data[destination]' });
    await expect(
      createTestSession(t.stripe, { payment_intent_data: { transfer_data: { destination: account.id }, application_fee_amount: 500 } }),
    ).rejects.toMatchObject({ ...refusal, param: 'payment_intent_data[transfer_data][destination]' });
    await expect(
      t.stripe.paymentIntents.create({ amount: 5000, currency: 'usd', transfer_data: { destination: 'acct_missing' } }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'transfer_data[destination]' });
    expect((await t.stripe.paymentIntents.list()).data).toEqual([]);
    expect((await t.stripe.checkout.sessions.list()).data).toEqual([]);
  });

  it('pays the connected account by a transfer, keeps the application fee, and reverses both on a refund', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    await onboard(t, account.id);
    const intent = await t.stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      transfer_data: { destination: account.id },
      application_fee_amount: 500,
    });
    expect(intent).toMatchObject({ transfer_data: { destination: account.id }, application_fee_amount: 500 });
    const paid = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] });
    const charge = paid.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ transfer_data: { destination: account.id, amount: null }, application_fee_amount: 500 });
    expect(charge.transfer).toMatch(/^tr_/);
    expect(charge.application_fee).toMatch(/^fee_/);
    const transfer = await t.stripe.transfers.retrieve(String(charge.transfer));
    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 5000,
      amount_reversed: 0,
      destination: account.id,
      source_transaction: charge.id,
    });
    const fee = await t.stripe.applicationFees.retrieve(String(charge.application_fee));
    expect(fee).toMatchObject({ object: 'application_fee', amount: 500, amount_refunded: 0, account: account.id, charge: charge.id });

    const refund = await t.stripe.refunds.create({ charge: charge.id, amount: 2500, reverse_transfer: true, refund_application_fee: true });
    expect(refund.transfer_reversal).toMatch(/^trr_/);
    expect(await t.stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 2500, reversed: false });
    expect(await t.stripe.applicationFees.retrieve(fee.id)).toMatchObject({ amount_refunded: 250, refunded: false });
    // Without the flags the platform alone pays a refund back.
    const second = await t.stripe.refunds.create({ charge: charge.id });
    expect(second.transfer_reversal).toBeNull();
    expect(await t.stripe.transfers.retrieve(transfer.id)).toMatchObject({ amount_reversed: 2500 });
  });

  it('makes a Checkout Session payment a destination charge through payment_intent_data', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    await onboard(t, account.id);
    const session = await createTestSession(t.stripe, {
      payment_intent_data: { transfer_data: { destination: account.id }, application_fee_amount: 300 },
    });
    await payOnHostedPage(session);
    const done = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent.latest_charge'] });
    const intent = done.payment_intent as Stripe.PaymentIntent;
    const charge = intent.latest_charge as Stripe.Charge;
    expect(intent).toMatchObject({ transfer_data: { destination: account.id }, application_fee_amount: 300 });
    expect((await t.stripe.transfers.retrieve(String(charge.transfer))).amount).toBe(done.amount_total);
    expect((await t.stripe.transfers.list()).data).toHaveLength(1);
  });

  it('refuses an application fee without a destination, and one above the amount', async () => {
    const t = await start();
    await expect(t.stripe.paymentIntents.create({ amount: 5000, currency: 'usd', application_fee_amount: 10 })).rejects.toMatchObject({
      statusCode: 400,
      param: 'application_fee_amount',
    });
    const account = await createSellerAccount(t);
    await onboard(t, account.id);
    await expect(
      t.stripe.paymentIntents.create({
        amount: 500,
        currency: 'usd',
        transfer_data: { destination: account.id },
        application_fee_amount: 501,
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'application_fee_amount' });
  });
});

describe('account.updated', () => {
  it('goes to Connect endpoints only, carrying the account, when onboarding makes it able to take charges', async () => {
    const connect = await startWebhookReceiver();
    const platform = await startWebhookReceiver();
    cleanups.push(
      () => connect.close(),
      () => platform.close(),
    );
    const t = await start({
      webhookEndpoints: [
        { url: connect.url, secret: SECRET, connect: true },
        { url: platform.url, secret: SECRET },
      ],
    });
    const viaApi = await startWebhookReceiver();
    cleanups.push(() => viaApi.close());
    const created = await t.stripe.webhookEndpoints.create({ url: viaApi.url, enabled_events: ['account.updated'], connect: true });
    const account = await createSellerAccount(t);
    await onboard(t, account.id);
    await waitFor(() => connect.received.length === 1 && viaApi.received.length === 1);
    const event = t.stripe.webhooks.constructEvent(connect.received[0]?.body ?? '', connect.received[0]?.signature ?? '', SECRET);
    expect(event).toMatchObject({
      type: 'account.updated',
      account: account.id,
      data: {
        object: {
          id: account.id,
          details_submitted: true,
          charges_enabled: true,
          payouts_enabled: true,
          requirements: { currently_due: [] },
        },
        previous_attributes: { charges_enabled: false, details_submitted: false, payouts_enabled: false },
      },
    });
    expect(created.secret).toMatch(/^whsec_/);
    // A platform payment's events go to the platform endpoint, not to the Connect ones.
    await payOnHostedPage(await createTestSession(t.stripe));
    await waitFor(() => platform.received.length > 0);
    expect(platform.received.map((hook) => (JSON.parse(hook.body) as { type: string }).type)).not.toContain('account.updated');
    expect(connect.received).toHaveLength(1);
  });
});

describe('the components API', () => {
  it("opens one account per client secret: account A's secret reads nothing of account B", async () => {
    const t = await start();
    const a = await createSellerAccount(t);
    const b = await createSellerAccount(t);
    await onboard(t, b.id);
    const intent = await t.stripe.paymentIntents.create({ amount: 4000, currency: 'usd', transfer_data: { destination: b.id } });
    const paid = await t.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const chargeOfB = String(paid.latest_charge);
    const secretA = (await createSellerSession(t, a.id)).client_secret;
    const secretB = (await createSellerSession(t, b.id)).client_secret;

    expect(await callComponents(t, 'POST', '/session', secretA, {})).toMatchObject({ status: 200, body: { account: a.id } });
    for (const path of [`/accounts/${b.id}`, `/accounts/${b.id}/payments`, `/accounts/${b.id}/payouts`]) {
      const answer = await callComponents(t, 'GET', path, secretA);
      expect(answer.status).toBe(401);
      expect(JSON.stringify(answer.body)).not.toContain(chargeOfB);
    }
    expect((await callComponents(t, 'POST', `/accounts/${b.id}/payments/${chargeOfB}/refund`, secretA, {})).status).toBe(401);
    expect((await callComponents(t, 'POST', `/accounts/${a.id}/payments/${chargeOfB}/refund`, secretA, {})).status).toBe(404);
    expect((await callComponents(t, 'POST', `/accounts/${b.id}/onboarding`, secretA, TEST_DETAILS)).status).toBe(401);
    expect((await t.stripe.charges.retrieve(chargeOfB)).amount_refunded).toBe(0);

    // B's own secret lists and refunds the payment; the transfer is reversed.
    const payments = await callComponents(t, 'GET', `/accounts/${b.id}/payments`, secretB);
    expect(payments).toMatchObject({ status: 200, body: { data: [{ id: chargeOfB, amount: 4000, refunded: false }] } });
    expect(JSON.stringify(payments.body)).not.toMatch(/last4|4242/);
    expect((await callComponents(t, 'POST', `/accounts/${b.id}/payments/${chargeOfB}/refund`, secretB, {})).status).toBe(200);
    const refunded = await t.stripe.charges.retrieve(chargeOfB);
    expect(refunded).toMatchObject({ refunded: true, amount_refunded: 4000 });
    expect(await t.stripe.transfers.retrieve(String(refunded.transfer))).toMatchObject({ amount_reversed: 4000, reversed: true });
    // The secrets travelled as bearer tokens only: no log line holds one.
    expect(t.logs.join('')).toContain(`/v1.0/api/accounts/${b.id}/payments`);
    for (const secret of [secretA, secretB]) expect(t.logs.join('')).not.toContain(secret);
  });

  it('refuses an unknown or expired secret, a missing one, and a component the session does not enable', async () => {
    let now = Date.now();
    const t = await start({ clock: () => now });
    const account = await createSellerAccount(t);
    expect((await callComponents(t, 'POST', '/session', 'accs_secret__unknown', {})).status).toBe(401);
    const onlyBanner = await t.stripe.accountSessions.create({
      account: account.id,
      components: { notification_banner: { enabled: true } },
    });
    const banner = await callComponents(t, 'GET', `/accounts/${account.id}`, onlyBanner.client_secret);
    expect(banner).toMatchObject({ status: 200, body: { detailsSubmitted: false } });
    expect(banner.body.currentlyDue).toEqual((await t.stripe.accounts.retrieve(account.id)).requirements?.currently_due);
    expect((await callComponents(t, 'GET', `/accounts/${account.id}/payments`, onlyBanner.client_secret)).status).toBe(403);
    expect((await callComponents(t, 'POST', `/accounts/${account.id}/onboarding`, onlyBanner.client_secret, TEST_DETAILS)).status).toBe(
      403,
    );
    expect((await t.stripe.accounts.retrieve(account.id)).details_submitted).toBe(false);
    now += 3601 * 1000;
    expect((await callComponents(t, 'GET', `/accounts/${account.id}`, onlyBanner.client_secret)).status).toBe(401);
  });

  it('refuses onboarding details that are incomplete, and keeps only the last four digits of the bank account', async () => {
    const t = await start();
    const account = await createSellerAccount(t);
    const session = await createSellerSession(t, account.id);
    const refused = await callComponents(t, 'POST', `/accounts/${account.id}/onboarding`, session.client_secret, {
      ...TEST_DETAILS,
      tosAccepted: false,
    });
    expect(refused.status).toBe(400);
    expect((await t.stripe.accounts.retrieve(account.id)).details_submitted).toBe(false);
    await callComponents(t, 'POST', `/accounts/${account.id}/onboarding`, session.client_secret, TEST_DETAILS);
    const onboarded = await t.stripe.accounts.retrieve(account.id);
    expect(onboarded).toMatchObject({ details_submitted: true, charges_enabled: true, capabilities: { transfers: 'active' } });
    expect(JSON.stringify(onboarded)).not.toContain(TEST_DETAILS.accountNumber);
  });
});
