// Stripe's webhook signature scheme: `Stripe-Signature: t=<unix>,v1=<hex>` where the
// signature is HMAC-SHA256(secret, `${t}.${payload}`) over the exact bytes sent.
// https://docs.stripe.com/webhooks#verify-manually
import { createHmac } from 'node:crypto';

export function signWebhookPayload(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`, 'utf8').digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}
