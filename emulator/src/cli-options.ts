// Options for `npm run emulator`, from flags or environment variables (flags win).
// Pure, so the mapping is tested without starting a process.
import { parseArgs } from 'node:util';
import { createId } from './ids';
import type { EmulatorOptions } from './options';

export const CLI_USAGE = `Usage: npm run emulator -- [options]

  --port <n>             EMULATOR_PORT                    default 12111 (0 = a free port)
  --host <name>          EMULATOR_HOST                    default localhost
  --origins local|stripe EMULATOR_ORIGINS                 hosted page URLs on the emulator or on checkout.stripe.com
  --webhook-url <url>    EMULATOR_WEBHOOK_URL             e.g. https://localhost:3000/webhooks/stripe
  --webhook-secret <s>   EMULATOR_WEBHOOK_SECRET          whsec_...; generated and printed when a URL has none
  --webhook-events <t,..> EMULATOR_WEBHOOK_EVENTS         the event types it is sent (enabled_events), default every one (*)
  --retry-delays <ms,..> EMULATOR_WEBHOOK_RETRY_DELAYS_MS e.g. 1000,5000,30000
  --timeout <ms>         EMULATOR_WEBHOOK_TIMEOUT_MS      per delivery attempt, default 10000
  --cert-dir <path>      EMULATOR_CERT_DIR                development CA folder, default .certs/
  --rate-limit test|live EMULATOR_RATE_LIMIT              Stripe's API rate limits (429 rate_limit); default off
`;

export interface CliOptions {
  options: EmulatorOptions;
  /** Set when the secret was generated: print it so the app can be configured with it. */
  generatedWebhookSecret?: string;
  help: boolean;
}

export function readCliOptions(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      origins: { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'webhook-events': { type: 'string' },
      'retry-delays': { type: 'string' },
      timeout: { type: 'string' },
      'cert-dir': { type: 'string' },
      'rate-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const options: EmulatorOptions = {};
  const port = pick(values.port, 'EMULATOR_PORT');
  if (port !== undefined) options.port = toInteger(port, 'EMULATOR_PORT / --port');
  const host = pick(values.host, 'EMULATOR_HOST');
  if (host !== undefined) options.host = host;
  const origins = pick(values.origins, 'EMULATOR_ORIGINS');
  if (origins !== undefined) {
    if (origins !== 'local' && origins !== 'stripe')
      throw new Error(`EMULATOR_ORIGINS / --origins must be 'local' or 'stripe', got '${origins}'.`);
    options.publicOrigins = origins;
  }
  const delays = pick(values['retry-delays'], 'EMULATOR_WEBHOOK_RETRY_DELAYS_MS');
  if (delays !== undefined) {
    options.webhookRetryDelaysMs = delays
      .split(',')
      .filter(Boolean)
      .map((d) => toInteger(d.trim(), 'EMULATOR_WEBHOOK_RETRY_DELAYS_MS / --retry-delays'));
  }
  const timeout = pick(values.timeout, 'EMULATOR_WEBHOOK_TIMEOUT_MS');
  if (timeout !== undefined) options.webhookTimeoutMs = toInteger(timeout, 'EMULATOR_WEBHOOK_TIMEOUT_MS / --timeout');
  const certDir = pick(values['cert-dir'], 'EMULATOR_CERT_DIR');
  if (certDir !== undefined) options.certDir = certDir;
  const rateLimit = pick(values['rate-limit'], 'EMULATOR_RATE_LIMIT');
  if (rateLimit !== undefined) {
    if (rateLimit !== 'test' && rateLimit !== 'live')
      throw new Error(`EMULATOR_RATE_LIMIT / --rate-limit must be 'test' or 'live' (Stripe's limits for that mode), got '${rateLimit}'.`);
    options.rateLimit = rateLimit;
  }

  const url = pick(values['webhook-url'], 'EMULATOR_WEBHOOK_URL');
  const secret = pick(values['webhook-secret'], 'EMULATOR_WEBHOOK_SECRET');
  const events = pick(values['webhook-events'], 'EMULATOR_WEBHOOK_EVENTS');
  let generatedWebhookSecret: string | undefined;
  if (url !== undefined) {
    generatedWebhookSecret = secret === undefined ? createId('whsec', 32) : undefined;
    const enabledEvents = events
      ?.split(',')
      .map((type) => type.trim())
      .filter(Boolean);
    options.webhookEndpoints = [{ url, secret: secret ?? generatedWebhookSecret ?? '', ...(enabledEvents ? { enabledEvents } : {}) }];
  } else if (secret !== undefined || events !== undefined) {
    throw new Error(
      'EMULATOR_WEBHOOK_SECRET / --webhook-secret or EMULATOR_WEBHOOK_EVENTS / --webhook-events is set without EMULATOR_WEBHOOK_URL / --webhook-url: set the URL too, or neither.',
    );
  }
  return { options, generatedWebhookSecret, help: values.help === true };
}

function toInteger(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number, got '${value}'.`);
  return Number(value);
}
