// The dashboard's buttons (Refund, Dispute, Expire now, settle a delayed payment): same-origin
// POST forms that emit the right events, and are refused when posted from another site.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  confirmFromBrowser,
  createPaymentIntent,
  createTestSession,
  PAN_SUCCEEDS,
  payOnHostedPage,
  pressDashboardButton,
  request,
  startTestEmulator,
  type TestEmulator,
} from './helpers';

let t: TestEmulator;
beforeEach(async () => {
  t = await startTestEmulator();
});
afterEach(() => t.close());

async function paidIntentId(): Promise<string> {
  const intent = await createPaymentIntent(t.stripe);
  await confirmFromBrowser(t.emulator, intent, PAN_SUCCEEDS);
  return intent.id;
}

async function eventTypes(): Promise<string[]> {
  return (await t.stripe.events.list({ limit: 100 })).data.map((event) => event.type);
}

describe('dashboard buttons', () => {
  it('shows Refund and Dispute for a paid intent, Expire now for an open session, and posts to itself', async () => {
    const id = await paidIntentId();
    const session = await createTestSession(t.stripe);
    const page = await request(`${t.emulator.url}/`);
    expect(page.body).toContain(`action="/dashboard/payment-intents/${id}/refund"`);
    expect(page.body).toContain(`action="/dashboard/payment-intents/${id}/dispute"`);
    expect(page.body).toContain(`action="/dashboard/checkout-sessions/${session.id}/expire"`);
    expect(String(page.headers['content-security-policy'])).toContain("form-action 'self'");
    expect(page.body).toContain('visa •••• 4242');
  });

  it('Refund refunds the whole payment: charge.refunded and refund.created', async () => {
    const id = await paidIntentId();
    const res = await pressDashboardButton(t.emulator, `/dashboard/payment-intents/${id}/refund`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect((await eventTypes()).slice(0, 2)).toEqual(['refund.created', 'charge.refunded']);
    const charge = await t.stripe.charges.retrieve(String((await t.stripe.paymentIntents.retrieve(id)).latest_charge));
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 1999 });
    expect((await request(`${t.emulator.url}/`)).body).not.toContain(`/dashboard/payment-intents/${id}/refund`);
    expect((await pressDashboardButton(t.emulator, `/dashboard/payment-intents/${id}/refund`)).status).toBe(409);
  });

  it('Dispute opens a dispute: charge.dispute.created', async () => {
    const id = await paidIntentId();
    expect((await pressDashboardButton(t.emulator, `/dashboard/payment-intents/${id}/dispute`)).status).toBe(303);
    const [event] = (await t.stripe.events.list({ limit: 1 })).data;
    if (event?.type !== 'charge.dispute.created') throw new Error(`unexpected ${event?.type}`);
    expect(await t.stripe.disputes.retrieve(event.data.object.id)).toMatchObject({ payment_intent: id, status: 'needs_response' });
    expect((await pressDashboardButton(t.emulator, `/dashboard/payment-intents/${id}/dispute`)).status).toBe(409);
  });

  it('Expire now expires an open session: checkout.session.expired', async () => {
    const session = await createTestSession(t.stripe);
    expect((await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/expire`)).status).toBe(303);
    expect(await eventTypes()).toEqual(['checkout.session.expired']);
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('expired');
    expect((await pressDashboardButton(t.emulator, `/dashboard/checkout-sessions/${session.id}/expire`)).status).toBe(409);
    expect((await pressDashboardButton(t.emulator, '/dashboard/checkout-sessions/cs_test_missing/expire')).status).toBe(404);
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['the checkout origin', 'https://checkout.stripe.com'],
    ['no Origin and no Sec-Fetch-Site', null],
  ])('refuses a POST from %s with 403 and changes nothing', async (_name, origin) => {
    const id = await paidIntentId();
    const session = await createTestSession(t.stripe);
    const before = await eventTypes();
    for (const path of [
      `/dashboard/payment-intents/${id}/refund`,
      `/dashboard/payment-intents/${id}/dispute`,
      `/dashboard/checkout-sessions/${session.id}/expire`,
    ]) {
      const res = await pressDashboardButton(t.emulator, path, {}, origin);
      expect(res.status).toBe(403);
      expect(res.body).toContain('Refused');
    }
    expect(await eventTypes()).toEqual(before);
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
  });

  it('accepts a browser POST without Origin only when Sec-Fetch-Site says same-origin', async () => {
    const session = await createTestSession(t.stripe);
    const cross = await request(`${t.emulator.url}/dashboard/checkout-sessions/${session.id}/expire`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(cross.status).toBe(403);
    const same = await request(`${t.emulator.url}/dashboard/checkout-sessions/${session.id}/expire`, {
      method: 'POST',
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(same.status).toBe(303);
  });

  it('accepts Origin: null (what Chrome sends under no-referrer) only with Sec-Fetch-Site same-origin', async () => {
    const session = await createTestSession(t.stripe);
    const url = `${t.emulator.url}/dashboard/checkout-sessions/${session.id}/expire`;
    const cross = await request(url, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).toBe(403);
    const bare = await request(url, { method: 'POST', headers: { origin: 'null' } });
    expect(bare.status).toBe(403);
    const same = await request(url, { method: 'POST', headers: { origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(same.status).toBe(303);
  });

  it('offers the settle buttons only for a delayed payment still processing', async () => {
    const delayed = await createTestSession(t.stripe);
    await payOnHostedPage(delayed, { email: 'buyer+delayed@example.com' });
    const normal = await createTestSession(t.stripe);
    await payOnHostedPage(normal);
    const page = (await request(`${t.emulator.url}/`)).body;
    expect(page).toContain(`action="/dashboard/checkout-sessions/${delayed.id}/settle"`);
    expect(page).not.toContain(`action="/dashboard/checkout-sessions/${normal.id}/settle"`);
  });
});
