// Webhooks that pay an order no one paid: a forged one (the attacker cannot sign), a stale one
// (a genuine delivery re-sent an hour later) and a replayed one (re-sent at once).
import { randomBytes } from 'node:crypto';
import { signWebhookPayload } from '../../../emulator/src/webhooks/signature';
import type { LabAttack, AttackOutcome } from '../attack';
import { logLinesSince, logOffset, request, type LabTarget } from '../target';
import { firstProduct, readOrder, startOrder, type PendingOrder } from './shop';

const WEBHOOK_PATH = '/webhooks/stripe';

/** The event a paid PaymentIntent sends, as the attacker writes it for our pending order. */
function paidEvent(order: PendingOrder): string {
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id: `evt_lab${randomBytes(8).toString('hex')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: now,
    livemode: false,
    data: {
      object: {
        id: order.paymentIntentId,
        object: 'payment_intent',
        status: 'succeeded',
        amount: order.amount,
        currency: order.currency,
        metadata: {},
        latest_charge: null,
        last_payment_error: null,
      },
    },
  });
}

async function pendingOrder(target: LabTarget): Promise<PendingOrder> {
  const product = await firstProduct(target);
  const { order } = await startOrder(target, { productId: product.id, quantity: 1 });
  if (!order) throw new Error('Could not start an order to attack.');
  return order;
}

/** Posts a "payment succeeded" event for a fresh unpaid order, and reports whether the order became paid. */
async function payWithEvent(target: LabTarget, sign: (payload: string) => string, what: string): Promise<AttackOutcome> {
  const order = await pendingOrder(target);
  const payload = paidEvent(order);
  const response = await request(target, 'POST', WEBHOOK_PATH, {
    body: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': sign(payload) },
  });
  const after = await readOrder(target, order.paymentIntentId);
  return {
    succeeded: after.status === 'paid',
    observed: [
      `order of ${order.paymentIntentId}: ${order.status}, nothing paid in the emulator`,
      `POST ${WEBHOOK_PATH} with ${what}: ${response.status} ${response.body.toString('utf8').slice(0, 120)}`,
      `the order is now ${after.status}`,
    ],
  };
}

export const webhookForgery: LabAttack = {
  name: 'webhook-forgery',
  summary: 'Post payment_intent.succeeded events for an unpaid order: forged, stale (an hour old) and replayed.',
  why: 'Only a valid Stripe-Signature within its 5-minute tolerance proves Stripe sent the bytes now, and only recording each event id stops a replay inside that window (https://docs.stripe.com/webhooks#verify-official-libraries, https://docs.stripe.com/webhooks#replay-attacks, https://docs.stripe.com/webhooks#handle-duplicate-events).',
  cases: [
    {
      label: 'forged',
      control: 'webhook-signature',
      run: (target) =>
        payWithEvent(
          target,
          (payload) => signWebhookPayload(payload, `whsec_${randomBytes(24).toString('base64url')}`, Math.floor(Date.now() / 1000)),
          'a signature made with a secret the attacker guessed',
        ),
    },
    {
      label: 'stale',
      control: 'webhook-signature',
      run: (target) =>
        payWithEvent(
          target,
          (payload) => signWebhookPayload(payload, target.webhookSecret, Math.floor(Date.now() / 1000) - 3600),
          'a genuine signature from an hour ago (a captured delivery re-sent)',
        ),
    },
    {
      label: 'replayed',
      control: 'webhook-dedupe',
      async run(target) {
        // A genuine, fresh delivery (signed with the endpoint's secret, as Stripe signs), sent twice.
        const order = await pendingOrder(target);
        const payload = paidEvent(order);
        const eventId = (JSON.parse(payload) as { id: string }).id;
        const signature = signWebhookPayload(payload, target.webhookSecret, Math.floor(Date.now() / 1000));
        const from = logOffset(target);
        const statuses: number[] = [];
        for (let delivery = 0; delivery < 2; delivery++) {
          const response = await request(target, 'POST', WEBHOOK_PATH, {
            body: payload,
            headers: { 'content-type': 'application/json', 'stripe-signature': signature },
          });
          statuses.push(response.status);
        }
        const results = (await logLinesSince(target, from))
          .filter((line) => line['eventId'] === eventId)
          .map((line) => String(line['result']));
        return {
          succeeded: results.length === 2 && results.every((result) => result === 'processed'),
          observed: [
            `the same signed delivery of ${eventId} posted twice: ${statuses.join(', ')}`,
            `the log's webhook lines for it say: ${results.join(', ') || 'nothing'} (processed twice = every side effect twice)`,
          ],
        };
      },
    },
  ],
};
