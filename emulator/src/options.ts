// Options of `startEmulator`, checked once at startup: a mistake fails fast with a message
// that says how to fix it, never a silent fallback.
import type { Logger } from 'pino';
import { z } from 'zod';
import { BRAND } from '../../common/brand';

export interface WebhookEndpointOptions {
  /** Where events are POSTed, e.g. https://localhost:3000/webhooks/stripe */
  url: string;
  /** The signing secret (`whsec_…`) the endpoint verifies with. */
  secret: string;
  /** The event types it is sent (default `['*']`: every event), as Stripe's `enabled_events`. */
  enabledEvents?: string[];
  /** A Connect endpoint (default false): it gets connected accounts' events (`account.updated`), and only those. */
  connect?: boolean;
}

/**
 * A restricted key (`rk_test_…`) and the permissions it was granted, named as Stripe names them
 * in its 403 answers (`rak_charge_read`, `rak_checkout_session_write`; write includes read).
 * https://docs.stripe.com/keys#limit-access
 */
export interface RestrictedKeyOptions {
  key: string;
  permissions: string[];
}

/** What `GET /v1/account` reports; a test turns charges off to see what a merchant sees. */
export interface AccountOptions {
  chargesEnabled?: boolean;
  detailsSubmitted?: boolean;
}

export interface EmulatorOptions {
  /** Default 12111; 0 picks a free port. */
  port?: number;
  /** Default 'localhost' (loopback only). */
  host?: string;
  /** Folder of the development CA and certificates (default `<repo>/.certs`). */
  certDir?: string;
  /**
   * Browser-facing URLs (hosted pages, Stripe.js, its frames and API calls, 3-D Secure) on the
   * emulator's own origin ('local') or on Stripe's real origins ('stripe', for tests that route them).
   */
  publicOrigins?: 'local' | 'stripe';
  webhookEndpoints?: WebhookEndpointOptions[];
  /** Delay before each retry of a failed delivery; its length is the number of retries. */
  webhookRetryDelaysMs?: number[];
  /** How long one delivery attempt may take. */
  webhookTimeoutMs?: number;
  /** Default: pino to stdout. */
  logger?: Logger;
  /** Accept only these secret keys (default: any well-formed `sk_test_…` key). */
  secretKeys?: string[];
  /** Restricted keys the emulator accepts, each limited to its permissions (default: none). */
  restrictedKeys?: RestrictedKeyOptions[];
  /** The account's state as `GET /v1/account` reports it (default: can take charges, details submitted). */
  account?: AccountOptions;
  /**
   * Stripe's API rate limits ('test': a sandbox's, 'live': live mode's; api/rate-limit.ts): `/v1`
   * requests over the limit get Stripe's 429 `rate_limit` error. Default: no limit.
   */
  rateLimit?: 'test' | 'live' | null;
  /** The clock, in ms since the epoch (default `Date.now`); tests move it past `expires_at`. */
  clock?: () => number;
  /**
   * The name the Checkout pages show ("Pay …"), as Stripe shows the account's business name
   * (https://docs.stripe.com/payments/checkout/customization). Default: the shop's name in config/brand.json.
   */
  businessName?: string;
}

export const DEFAULT_PORT = 12111;
/** Quick first retries for a workshop, then backing off (Stripe's own schedule spans days). */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Stripe's browser-facing origins, as its CSP guide lists them: https://docs.stripe.com/security/guide#content-security-policy */
export const STRIPE_ORIGINS = {
  js: 'https://js.stripe.com',
  api: 'https://api.stripe.com',
  hooks: 'https://hooks.stripe.com',
  checkout: 'https://checkout.stripe.com',
  connect: 'https://connect-js.stripe.com',
} as const;

export const webhookEndpointSchema = z.strictObject({
  url: z.string().refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an http(s) URL such as https://localhost:3000/webhooks/stripe',
  }),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=_-]{8,}$/, {
    message: 'must start with whsec_ followed by at least 8 characters (the endpoint signing secret)',
  }),
  enabledEvents: z
    .array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, { message: "must be event types such as 'checkout.session.completed', or '*'" }))
    .min(1)
    .default(['*']),
  connect: z.boolean().default(false),
});

const optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535, { message: 'must be 0-65535 (0 picks a free port)' }).default(DEFAULT_PORT),
  host: z.string().min(1).default('localhost'),
  certDir: z.string().min(1).optional(),
  publicOrigins: z.enum(['local', 'stripe'], { message: "must be 'local' or 'stripe'" }).default('local'),
  webhookEndpoints: z.array(webhookEndpointSchema).default([]),
  webhookRetryDelaysMs: z
    .array(z.number().int().min(0).max(86_400_000), { message: 'must be a list of delays in ms, e.g. [1000, 5000]' })
    .max(20)
    .default(DEFAULT_RETRY_DELAYS_MS),
  webhookTimeoutMs: z.number().int().min(1).max(120_000).default(DEFAULT_WEBHOOK_TIMEOUT_MS),
  logger: z
    .custom<Logger>((value) => typeof value === 'object' && value !== null && 'info' in value && 'child' in value, {
      message: 'must be a pino logger',
    })
    .optional(),
  secretKeys: z
    .array(z.string().regex(/^sk_test_/, { message: 'must start with sk_test_ (test mode only)' }))
    .min(1)
    .optional(),
  restrictedKeys: z
    .array(
      z.strictObject({
        key: z
          .string()
          .regex(/^rk_test_[A-Za-z0-9_]{8,247}$/, { message: 'must be a test-mode restricted key: rk_test_ followed by 8+ characters' }),
        permissions: z.array(
          z.string().regex(/^rak_[a-z_]+_(read|write)$/, { message: "must be Stripe permission names such as 'rak_charge_read'" }),
        ),
      }),
    )
    .default([]),
  account: z
    .strictObject({ chargesEnabled: z.boolean().default(true), detailsSubmitted: z.boolean().default(true) })
    .default({ chargesEnabled: true, detailsSubmitted: true }),
  rateLimit: z.enum(['test', 'live'], { message: "must be 'test', 'live' or null (no limit)" }).nullable().default(null),
  clock: z.custom<() => number>((value) => typeof value === 'function', { message: 'must be a function returning ms' }).optional(),
  businessName: z
    .string()
    .trim()
    .min(1, { message: 'must be the shop name the Checkout pages show, e.g. "Harbor & Pine"' })
    .max(100)
    .default(BRAND.shopName),
});

export type ResolvedOptions = z.infer<typeof optionsSchema>;

/** Takes `unknown`: JavaScript callers and the CLI can pass anything, and all of it is checked. */
export function resolveOptions(options: unknown): ResolvedOptions {
  const result = optionsSchema.safeParse(options);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  - ${issue.path.map(String).join('.') || 'options'} ${issue.message}`);
  throw new Error(`Invalid Stripe emulator options:\n${problems.join('\n')}`);
}
