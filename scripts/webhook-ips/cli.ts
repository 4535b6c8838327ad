// `npm run webhook-ips:refresh [-- --url URL --ca FILE --file FILE]`: fetch Stripe's webhook
// source addresses and rewrite the bundled list (see refresh.ts).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { STRIPE_WEBHOOK_IPS_URL, refreshStripeWebhookIps } from './refresh';

const { values } = parseArgs({ options: { url: { type: 'string' }, ca: { type: 'string' }, file: { type: 'string' } } });
try {
  const result = await refreshStripeWebhookIps({
    url: new URL(values.url ?? STRIPE_WEBHOOK_IPS_URL),
    ca: values.ca ? readFileSync(values.ca, 'utf8') : undefined,
    file: values.file,
  });
  console.log(
    `${result.file}: ${result.addresses.length} addresses; added ${result.added.join(', ') || 'none'}; removed ${result.removed.join(', ') || 'none'}. Review the diff and commit it.`,
  );
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
