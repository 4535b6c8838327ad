// The routes a load run cycles through: what a busy shop sees, plus what a hostile client
// sends. Pages and health are not rate-limited; /api/* is (300 a minute per client), checkout
// creation much more so (CHECKOUT_RATE_LIMIT, default 10), so a short run on one address
// gets 429s on those while pages keep answering 200. Forged webhooks are refused with 400
// after the signature check (the webhook route has no rate limit on purpose, see app.ts).

import type { Catalog } from '../../common/catalog';
import { itemAt } from '../catalog';

export interface LoadRequest {
  /** A short name for per-route counts. */
  name: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** `catalog`: what the app sells (checkouts buy one of its first product). */
export function createRequestMix(appUrl: string, catalog: Catalog): LoadRequest[] {
  const json = { 'Content-Type': 'application/json', Origin: new URL(appUrl).origin };
  const items = JSON.stringify({ items: [itemAt(catalog, 0)] });
  // A timestamp within the tolerance and a well-formed v1 that is not ours: verification runs fully.
  const forgedSignature = `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`;
  return [
    { name: 'page /', method: 'GET', path: '/' },
    { name: 'GET /api/config', method: 'GET', path: '/api/config' },
    { name: 'page /payment', method: 'GET', path: '/payment' },
    { name: 'GET /api/products', method: 'GET', path: '/api/products' },
    { name: 'POST /api/checkout-sessions', method: 'POST', path: '/api/checkout-sessions', headers: json, body: items },
    { name: 'GET /healthz', method: 'GET', path: '/healthz' },
    { name: 'POST /api/payment-intents', method: 'POST', path: '/api/payment-intents', headers: json, body: items },
    {
      name: 'POST /webhooks/stripe (forged)',
      method: 'POST',
      path: '/webhooks/stripe',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': forgedSignature },
      body: JSON.stringify({
        id: 'evt_forged',
        type: 'checkout.session.completed',
        created: 0,
        data: { object: { id: 'cs_test_forged' } },
      }),
    },
    { name: 'GET /api/orders/:id (unknown)', method: 'GET', path: '/api/orders/cs_test_doesnotexist' },
  ];
}
