// The one place a Stripe client is built. The API version is pinned so an SDK upgrade
// never silently changes the shapes we map (https://docs.stripe.com/api/versioning).
import { Agent } from 'node:https';
import { createSecureContext } from 'node:tls';
import Stripe from 'stripe';

export type { Stripe };

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeClientOptions {
  secretKey: string;
  /** Another Stripe-compatible HTTPS server (the emulator); null for api.stripe.com. */
  apiUrl?: URL | null;
  /** CA certificates (PEM) to trust for `apiUrl`, e.g. the development CA. */
  ca?: string | string[] | null;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = { apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 2, timeout: 20_000 };
  if (!options.apiUrl) return new Stripe(options.secretKey, base);
  return new Stripe(options.secretKey, {
    ...base,
    host: options.apiUrl.hostname,
    port: options.apiUrl.port === '' ? 443 : Number(options.apiUrl.port),
    protocol: 'https',
    // One TLS context, built once: given `ca` instead, Node's agent would fold every CA
    // certificate (145 public roots plus ours) into the connection-pool key it rebuilds on
    // each request, and build a new context for each connection.
    httpAgent: new Agent({ keepAlive: true, ...(options.ca ? { secureContext: createSecureContext({ ca: options.ca }) } : {}) }),
  });
}
