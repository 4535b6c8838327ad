// Rewrites server/src/security/stripe-webhook-ips.json from Stripe's published list of
// webhook source addresses (https://docs.stripe.com/ips#webhook-notifications). Stripe
// announces changes seven days ahead on its api-announce list; run this then, review the
// diff and commit it.
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { httpsGet } from '../lib/https-client';
import {
  STRIPE_WEBHOOK_IPS_FILE,
  StripePublishedWebhookIpsSchema,
  StripeWebhookIpsFileSchema,
  readStripeWebhookIps,
} from '../../server/src/security/webhook-sources';

export const STRIPE_WEBHOOK_IPS_URL = 'https://stripe.com/files/ips/ips_webhooks.json';

export interface RefreshOptions {
  url?: URL;
  /** Extra CA (PEM) to trust, for a local stand-in of Stripe's server. */
  ca?: string;
  file?: string;
  now?: Date;
}

export interface RefreshResult {
  file: string;
  addresses: string[];
  added: string[];
  removed: string[];
}

export async function refreshStripeWebhookIps(options: RefreshOptions = {}): Promise<RefreshResult> {
  const url = options.url ?? new URL(STRIPE_WEBHOOK_IPS_URL);
  if (url.protocol !== 'https:') throw new Error(`Fetch the list over HTTPS: ${url.href} is not https://.`);
  const file = options.file ?? fileURLToPath(STRIPE_WEBHOOK_IPS_FILE);
  const response = await httpsGet(url, { ca: options.ca });
  if (response.status !== 200) throw new Error(`${url.href} answered ${response.status}; the bundled list is unchanged.`);
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new Error(`${url.href} did not answer JSON; the bundled list is unchanged.`);
  }
  const published = StripePublishedWebhookIpsSchema.safeParse(json);
  if (!published.success) {
    throw new Error(
      `${url.href} is not in the expected form { "WEBHOOKS": ["<IP address>", ...] } (${published.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); the bundled list is unchanged.`,
    );
  }
  const addresses = [...new Set(published.data.WEBHOOKS)];
  const before = readStripeWebhookIps(file).addresses;
  const next = StripeWebhookIpsFileSchema.parse({
    source: url.href,
    retrieved: (options.now ?? new Date()).toISOString().slice(0, 10),
    note: "Written by `npm run webhook-ips:refresh` from Stripe's published list; do not edit by hand.",
    addresses,
  });
  // Write beside it and rename: the app never reads a half-written file.
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(temporary, file);
  return { file, addresses, added: addresses.filter((a) => !before.includes(a)), removed: before.filter((a) => !addresses.includes(a)) };
}
