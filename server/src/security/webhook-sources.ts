// Optional second check on webhooks, besides the signature: accept deliveries only from the
// addresses Stripe sends them from (https://docs.stripe.com/ips#webhook-notifications;
// https://docs.stripe.com/security/guide). STRIPE_WEBHOOK_IPS=stripe uses the list bundled in
// stripe-webhook-ips.json (`npm run webhook-ips:refresh` rewrites it from Stripe's published
// JSON); IP addresses and CIDR ranges may be added, comma-separated. The client address is
// Express's req.ip (client-address.ts computes it the same way), so behind a proxy TRUST_PROXY must say how many hops to believe.
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { AppError } from '../errors';
// Imported, not read from beside this file: the built server (dist/server) carries it in the bundle.
import bundledStripeWebhookIps from './stripe-webhook-ips.json' with { type: 'json' };

/** The source file `npm run webhook-ips:refresh` rewrites; the server uses the copy imported above. */
export const STRIPE_WEBHOOK_IPS_FILE = new URL('./stripe-webhook-ips.json', import.meta.url);

/** The bundled file: where the list came from, when, and the addresses. */
export const StripeWebhookIpsFileSchema = z.strictObject({
  source: z.url(),
  retrieved: z.iso.date(),
  note: z.string(),
  addresses: z.array(z.union([z.ipv4(), z.ipv6()])).min(1),
});

/** Stripe's published https://stripe.com/files/ips/ips_webhooks.json: `{ "WEBHOOKS": [...] }`. */
export const StripePublishedWebhookIpsSchema = z.object({ WEBHOOKS: z.array(z.union([z.ipv4(), z.ipv6()])).min(1) });

export interface WebhookSources {
  /** Stripe's published webhook addresses (the bundled list). */
  stripe: boolean;
  /** Extra addresses or CIDR ranges, e.g. 203.0.113.7 or 2001:db8::/32. */
  extra: string[];
}

/**
 * STRIPE_WEBHOOK_IPS: unset or `off` → null (no check); otherwise a comma-separated list of
 * `stripe`, addresses and CIDR ranges. A string result is the problem to report at startup.
 */
export function parseWebhookSources(value: string | undefined): WebhookSources | null | string {
  if (value === undefined || value.trim() === 'off') return null;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const wrong = entries.filter((entry) => entry !== 'stripe' && parseRange(entry) === null);
  if (entries.length === 0 || wrong.length > 0) {
    return `STRIPE_WEBHOOK_IPS must be off, stripe (Stripe's published webhook addresses), or a comma-separated list of stripe, IP addresses and CIDR ranges (e.g. stripe,203.0.113.0/24); not understood: ${wrong.join(', ') || '(empty)'}.`;
  }
  return { stripe: entries.includes('stripe'), extra: entries.filter((entry) => entry !== 'stripe') };
}

function parseRange(entry: string): { address: string; prefix: number | null; family: 'ipv4' | 'ipv6' } | null {
  const [address = '', prefixText, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, prefix: null, family };
  const prefix = Number(prefixText);
  const max = version === 4 ? 32 : 128;
  return /^\d+$/.test(prefixText) && prefix <= max ? { address, prefix, family } : null;
}

/** The list this build carries, or the one in `file` (the refresh script reads the file it rewrites). */
export function readStripeWebhookIps(file?: URL | string): z.infer<typeof StripeWebhookIpsFileSchema> {
  return StripeWebhookIpsFileSchema.parse(file === undefined ? bundledStripeWebhookIps : JSON.parse(readFileSync(file, 'utf8')));
}

/** Built once at startup; `check` answers whether a client address may deliver webhooks. */
export function createWebhookSourceList(sources: WebhookSources, stripeAddresses: string[] = readStripeWebhookIps().addresses) {
  const list = new BlockList();
  for (const entry of [...(sources.stripe ? stripeAddresses : []), ...sources.extra]) {
    const range = parseRange(entry);
    if (!range) throw new Error(`Not an IP address or CIDR range: ${entry}`);
    if (range.prefix === null) list.addAddress(range.address, range.family);
    else list.addSubnet(range.address, range.prefix, range.family);
  }
  return {
    check(ip: string | undefined): boolean {
      if (!ip) return false;
      // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d; match them as IPv4.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
      const address = mapped ?? ip;
      const version = isIP(address);
      return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** The answer to a sender not on the list: 403 before the body is read, connection closed (routes/webhooks.ts). */
export function webhookSourceRefused(): AppError {
  return new AppError(403, 'webhook_source_refused', "Webhooks are accepted only from Stripe's webhook addresses.");
}
