// Events: what each payment outcome creates, and listing (newest first, limit, cursors,
// type and created filters).
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestSession, PAN_GENERIC_DECLINE, payOnHostedPage, startTestEmulator, type TestEmulator } from './helpers';

let t: TestEmulator;
beforeEach(async () => {
  t = await startTestEmulator();
});
afterEach(() => t.close());

describe('events created by payments', () => {
  it('creates charge.succeeded, payment_intent.succeeded and checkout.session.completed with snapshots', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session);
    const events = (await t.stripe.events.list()).data;
    expect(events.map((event) => event.type)).toEqual(['checkout.session.completed', 'payment_intent.succeeded', 'charge.succeeded']);
    for (const event of events) {
      expect(event).toMatchObject({
        object: 'event',
        api_version: Stripe.API_VERSION,
        livemode: false,
        request: { id: null, idempotency_key: null },
      });
      expect(event.id).toMatch(/^evt_/);
    }
    const [completed, intentSucceeded, chargeSucceeded] = events;
    if (completed?.type !== 'checkout.session.completed') throw new Error('unexpected order');
    expect(completed.data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'paid',
      client_reference_id: 'order_123',
      metadata: { order_id: 'order_123' },
    });
    if (intentSucceeded?.type !== 'payment_intent.succeeded') throw new Error('unexpected order');
    expect(intentSucceeded.data.object).toMatchObject({
      id: completed.data.object.payment_intent,
      status: 'succeeded',
      amount_received: 5000,
    });
    if (chargeSucceeded?.type !== 'charge.succeeded') throw new Error('unexpected order');
    expect(chargeSucceeded.data.object.payment_method_details?.card).toMatchObject({
      brand: 'visa',
      last4: '4242',
      funding: 'credit',
      country: 'US',
      exp_month: 12,
      exp_year: 2034,
    });
    expect(await t.stripe.events.retrieve(completed.id)).toMatchObject({ id: completed.id, type: 'checkout.session.completed' });
  });

  it('creates payment_intent.payment_failed (and charge.failed) on a decline, nothing completed', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session, { cardNumber: PAN_GENERIC_DECLINE });
    const events = (await t.stripe.events.list()).data;
    expect(events.map((event) => event.type)).toEqual(['payment_intent.payment_failed', 'charge.failed']);
    const [failed] = events;
    if (failed?.type !== 'payment_intent.payment_failed') throw new Error('unexpected');
    expect(failed.data.object.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
  });

  it('creates checkout.session.expired with the request that expired it', async () => {
    const session = await createTestSession(t.stripe);
    const expired = await t.stripe.checkout.sessions.expire(session.id);
    const [event] = (await t.stripe.events.list()).data;
    expect(event).toMatchObject({ type: 'checkout.session.expired', data: { object: { id: session.id, status: 'expired' } } });
    expect(event?.request?.id).toBe(expired.lastResponse.requestId);
  });

  it('keeps each snapshot as it was when the event happened', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session, { cardNumber: PAN_GENERIC_DECLINE });
    await payOnHostedPage(session);
    const failed = (await t.stripe.events.list({ type: 'payment_intent.payment_failed' })).data[0];
    if (failed?.type !== 'payment_intent.payment_failed') throw new Error('missing');
    expect(failed.data.object.status).toBe('requires_payment_method');
  });
});

describe('listing events', () => {
  async function makeEvents(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const session = await createTestSession(t.stripe);
      await t.stripe.checkout.sessions.expire(session.id);
    }
    for (const event of (await t.stripe.events.list({ limit: 100 })).data) ids.push(event.id);
    return ids;
  }

  it('lists newest first with limit and has_more, and pages with starting_after and ending_before', async () => {
    const ids = await makeEvents(5);
    expect(ids).toHaveLength(5);
    const first = await t.stripe.events.list({ limit: 2 });
    expect(first.data.map((e) => e.id)).toEqual(ids.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await t.stripe.events.list({ limit: 2, starting_after: ids[1] });
    expect(second.data.map((e) => e.id)).toEqual(ids.slice(2, 4));
    const last = await t.stripe.events.list({ limit: 2, starting_after: ids[3] });
    expect(last.data.map((e) => e.id)).toEqual(ids.slice(4));
    expect(last.has_more).toBe(false);
    const before = await t.stripe.events.list({ limit: 2, ending_before: ids[4] });
    expect(before.data.map((e) => e.id)).toEqual(ids.slice(2, 4));
    const all = await t.stripe.events.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((e) => e.id)).toEqual(ids);
    expect(new Set(all.map((e) => e.created)).size).toBeLessThanOrEqual(ids.length);
  });

  it('filters by type (with a wildcard) and created[gte]', async () => {
    const session = await createTestSession(t.stripe);
    await payOnHostedPage(session);
    await makeEvents(1);
    expect((await t.stripe.events.list({ type: 'checkout.session.completed' })).data.map((e) => e.type)).toEqual([
      'checkout.session.completed',
    ]);
    expect((await t.stripe.events.list({ type: 'checkout.session.*' })).data.map((e) => e.type)).toEqual([
      'checkout.session.expired',
      'checkout.session.completed',
    ]);
    const now = Math.floor(Date.now() / 1000);
    expect((await t.stripe.events.list({ created: { gte: now - 60 } })).data).toHaveLength(4);
    expect((await t.stripe.events.list({ created: { gte: now + 60 } })).data).toHaveLength(0);
  });

  it('answers 400 to a bad limit and 404 to an unknown cursor', async () => {
    await expect(t.stripe.events.list({ limit: 0 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(t.stripe.events.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(t.stripe.events.list({ starting_after: 'evt_nope' })).rejects.toMatchObject({ statusCode: 404, param: 'starting_after' });
  });
});
