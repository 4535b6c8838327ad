// The only reader of process.env. One zod schema describes every variable; cross-field
// rules (modes, key pairs, live-mode requirements) follow it. Any problem stops the
// process at startup with a message that says exactly what to change.
// Every variable is documented in `.env.example`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CertificateRequirements } from './security/certificate-check';
import type { SecurityHeadersProfile } from './security/headers';
import { DEFAULT_RATE_LIMITS } from './security/rate-limit';
import { parseWebhookSources } from './security/webhook-sources';
import type { WebhookSources } from './security/webhook-sources';
import type { DatabaseLocation } from './store/database';

const DEFAULT_CHECKOUT_RATE_LIMIT = DEFAULT_RATE_LIMITS.checkout;

export type Mode = 'emulated' | 'test' | 'live';
export type EmulatorOrigins = 'local' | 'stripe';
export type RateLimitStore = 'memory' | 'database';
/** Who terminates TLS: this process (`app`), or a proxy in front that forwards plain HTTP (`proxy`). */
export type TlsMode = 'app' | 'proxy';

export interface Config {
  mode: Mode;
  /** LAB_MODE=true: the workshop lab (`npm run lab`), whose panel switches controls off; emulated, loopback, outside production only. */
  lab: boolean;
  /** TLS_MODE: app = HTTPS on `port` plus the HTTP redirect server; proxy = plain HTTP on `port` behind a TLS-terminating proxy. */
  tlsMode: TlsMode;
  port: number;
  /** The HTTP→HTTPS redirect server's port; null in proxy mode (the proxy owns port 80). */
  httpPort: number | null;
  /** Origin the browser uses to reach us, without a trailing slash; null = https://localhost:<actual port>. */
  publicUrl: string | null;
  /**
   * Real certificate files; null means "issue one from the development CA". In live mode
   * `requirements` says what the certificate must suit (checked at load and every reload).
   */
  tls: { certFile: string; keyFile: string; requirements: CertificateRequirements | null } | null;
  database: DatabaseLocation;
  /** Where rate-limit counters live: this process's memory, or the shared database (several instances). */
  rateLimitStore: RateLimitStore;
  clientDistDir: string;
  /**
   * The catalog file (absolute) and the folder its `/images/…` paths must exist in; main.ts
   * loads and validates it at startup (payments/catalog.ts).
   */
  catalog: { file: string; publicDir: string };
  logLevel: string;
  /** Which Strict-Transport-Security the app sends: two years (production) or max-age=0 (development). */
  securityHeaders: SecurityHeadersProfile;
  hstsPreload: boolean;
  /** STRIPE_WEBHOOK_IPS: addresses webhooks may come from; null = any (the signature decides). */
  webhookSources: WebhookSources | null;
  /** Hops of reverse proxies in front of us whose X-Forwarded-For we believe (0 = none). */
  trustProxyHops: number;
  /** Checkout sessions + PaymentIntents one client may start per minute. */
  checkoutRateLimit: number;
  /** Seller sign-in: how long a session lasts without a request (idle) and at most (absolute), and an enrolment link's life, in ms. */
  sellers: SellerTimeouts;
  /** The platform's fee on a seller's products (a destination charge's application_fee_amount), in basis points. */
  platformFeeBps: number;
  stripe: {
    secretKey: string;
    publishableKey: string;
    /**
     * The whsec_… signing secrets a delivery may be signed with: one, or two while the endpoint's
     * secret is rolled. Null in emulated mode until main.ts generates one (or takes EMULATOR_WEBHOOK_SECRET).
     */
    webhookSecrets: string[] | null;
    /** Another Stripe-compatible server (the emulator started on its own); test keys only. */
    apiUrl: URL | null;
  };
  emulator: { port: number; origins: EmulatorOrigins; webhookSecret: string | null } | null;
}

export interface SellerTimeouts {
  sessionIdleMs: number;
  sessionMaxMs: number;
  enrolLinkMs: number;
}

/**
 * OWASP's session guidance: an idle timeout of 15-30 minutes and an absolute one of 4-8 hours
 * for an office day (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration);
 * 12 hours covers a seller's working day, and a day for a link sent to a person.
 */
/** 10 % of a seller's sale goes to the platform unless PLATFORM_FEE_BPS says otherwise. */
export const DEFAULT_PLATFORM_FEE_BPS = 1000;

export const DEFAULT_SELLER_TIMEOUTS: SellerTimeouts = {
  sessionIdleMs: 30 * 60_000,
  sessionMaxMs: 12 * 3_600_000,
  enrolLinkMs: 24 * 3_600_000,
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration problems (fix them in .env or the environment; see .env.example):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// Empty strings count as unset, so a copied `.env.example` with blank values works.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

const port = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number between 0 and 65535` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be between 0 and 65535`)
    .max(65535, `${name} must be between 0 and 65535`);

const EnvSchema = z.object({
  STRIPE_SECRET_KEY: optional(z.string()),
  STRIPE_PUBLISHABLE_KEY: optional(z.string()),
  STRIPE_WEBHOOK_SECRET: optional(z.string()),
  STRIPE_API_URL: optional(z.string()),
  STRIPE_WEBHOOK_IPS: optional(z.string()),
  TLS_MODE: optional(
    z.enum(['app', 'proxy'], {
      error:
        'TLS_MODE must be app (this server terminates TLS with its own certificate) or proxy (a TLS-terminating proxy or load balancer in front)',
    }),
  ),
  PORT: optional(port('PORT')),
  HTTP_PORT: optional(port('HTTP_PORT')),
  PUBLIC_URL: optional(z.string()),
  TLS_CERT_FILE: optional(z.string()),
  TLS_KEY_FILE: optional(z.string()),
  DATABASE_URL: optional(z.string()),
  CLIENT_DIST_DIR: optional(z.string()),
  CATALOG_FILE: optional(z.string()),
  LOG_LEVEL: optional(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  ),
  HSTS_PRELOAD: optional(z.enum(['true', 'false'], { error: 'HSTS_PRELOAD must be true or false' })),
  SECURITY_HEADERS: optional(
    z.enum(['production', 'development'], {
      error: 'SECURITY_HEADERS must be production (two-year HSTS) or development (no lasting HSTS; a loopback PUBLIC_URL only)',
    }),
  ),
  // Read for one decision only: whether this is a production deployment (emulated mode is
  // refused there, and the headers are production's). Any other value means "not production".
  NODE_ENV: optional(z.string()),
  TRUST_PROXY: optional(z.coerce.number({ error: 'TRUST_PROXY must be the number of proxy hops (0 for none)' }).int().min(0).max(10)),
  CHECKOUT_RATE_LIMIT: optional(
    z.coerce
      .number({ error: 'CHECKOUT_RATE_LIMIT must be a number of checkouts per minute per client, e.g. 10' })
      .int('CHECKOUT_RATE_LIMIT must be a whole number')
      .min(1, 'CHECKOUT_RATE_LIMIT must be at least 1 (each checkout needs one request)')
      .max(10_000, 'CHECKOUT_RATE_LIMIT must be at most 10000'),
  ),
  SELLER_SESSION_IDLE_MINUTES: optional(
    z.coerce
      .number({ error: 'SELLER_SESSION_IDLE_MINUTES must be a number of minutes, e.g. 30' })
      .int('SELLER_SESSION_IDLE_MINUTES must be a whole number')
      .min(1, 'SELLER_SESSION_IDLE_MINUTES must be at least 1')
      .max(24 * 60, 'SELLER_SESSION_IDLE_MINUTES must be at most 1440 (a day); a seller who comes back later signs in again'),
  ),
  SELLER_SESSION_MAX_HOURS: optional(
    z.coerce
      .number({ error: 'SELLER_SESSION_MAX_HOURS must be a number of hours, e.g. 12' })
      .int('SELLER_SESSION_MAX_HOURS must be a whole number')
      .min(1, 'SELLER_SESSION_MAX_HOURS must be at least 1')
      .max(7 * 24, 'SELLER_SESSION_MAX_HOURS must be at most 168 (a week)'),
  ),
  PLATFORM_FEE_BPS: optional(
    z.coerce
      .number({ error: 'PLATFORM_FEE_BPS must be a number of basis points, e.g. 1000 for 10 %' })
      .int('PLATFORM_FEE_BPS must be a whole number of basis points (1000 = 10 %)')
      .min(0, 'PLATFORM_FEE_BPS must be at least 0')
      .max(10_000, 'PLATFORM_FEE_BPS must be at most 10000 (100 %)'),
  ),
  SELLER_ENROL_LINK_HOURS: optional(
    z.coerce
      .number({ error: 'SELLER_ENROL_LINK_HOURS must be a number of hours, e.g. 24' })
      .int('SELLER_ENROL_LINK_HOURS must be a whole number')
      .min(1, 'SELLER_ENROL_LINK_HOURS must be at least 1')
      .max(7 * 24, 'SELLER_ENROL_LINK_HOURS must be at most 168 (a week): print a new link instead'),
  ),
  RATE_LIMIT_STORE: optional(
    z.enum(['memory', 'database'], {
      error: 'RATE_LIMIT_STORE must be memory (one instance) or database (counters shared by every instance)',
    }),
  ),
  EMULATOR_PORT: optional(port('EMULATOR_PORT')),
  EMULATOR_ORIGINS: optional(z.enum(['local', 'stripe'], { error: 'EMULATOR_ORIGINS must be local or stripe' })),
  EMULATOR_WEBHOOK_SECRET: optional(z.string()),
  LAB_MODE: optional(z.enum(['true', 'false'], { error: 'LAB_MODE must be true (the workshop lab, `npm run lab`) or false' })),
});

// A secret key or a restricted key (https://docs.stripe.com/keys#limit-access): both are server keys of one mode.
const SECRET_KEY = /^(?:sk|rk)_(test|live)_[A-Za-z0-9]+$/;
const PUBLISHABLE_KEY = /^pk_(test|live)_[A-Za-z0-9]+$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=_-]{8,}$/;

/** The repository, found from this file rather than the working directory (scripts start the app from temp folders). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEFAULTS = {
  port: 4242,
  httpPort: 4243,
  databaseUrl: 'file:data/app.sqlite',
  clientDistDir: 'dist/client',
  catalogFile: 'config/catalog.json',
  emulatorPort: 12111,
  emulatedSecretKey: 'sk_test_emulated',
  emulatedPublishableKey: 'pk_test_emulated',
} as const;

/**
 * Turns an environment object into a validated Config, or throws a ConfigError listing
 * every problem. Pure: reads nothing but `env`, so tests feed it plain objects.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => issue.message));
  }
  const e = parsed.data;
  const problems: string[] = [];

  const secretMode = e.STRIPE_SECRET_KEY === undefined ? undefined : SECRET_KEY.exec(e.STRIPE_SECRET_KEY)?.[1];
  const publishableMode = e.STRIPE_PUBLISHABLE_KEY === undefined ? undefined : PUBLISHABLE_KEY.exec(e.STRIPE_PUBLISHABLE_KEY)?.[1];

  if (e.STRIPE_SECRET_KEY !== undefined && secretMode === undefined) {
    problems.push(
      'STRIPE_SECRET_KEY is malformed: it must be a secret key (sk_test_… or sk_live_…) or a restricted key (rk_test_… or rk_live_…) from Dashboard → Developers → API keys. Unset it to run against the local emulator.',
    );
  }
  if (e.STRIPE_PUBLISHABLE_KEY !== undefined && publishableMode === undefined) {
    problems.push('STRIPE_PUBLISHABLE_KEY is malformed: it must look like pk_test_… or pk_live_….');
  }

  const mode: Mode = e.STRIPE_SECRET_KEY === undefined ? 'emulated' : secretMode === 'live' ? 'live' : 'test';
  let webhookSecrets: string[] | null = null;

  if (mode === 'emulated') {
    for (const name of ['STRIPE_PUBLISHABLE_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_URL'] as const) {
      if (e[name] !== undefined) {
        problems.push(
          `${name} is set but STRIPE_SECRET_KEY is not. Set STRIPE_SECRET_KEY too (test or live mode), or unset ${name} to run against the local emulator.`,
        );
      }
    }
    if (e.EMULATOR_WEBHOOK_SECRET !== undefined && !WEBHOOK_SECRET.test(e.EMULATOR_WEBHOOK_SECRET)) {
      problems.push(
        'EMULATOR_WEBHOOK_SECRET must start with whsec_ followed by at least 8 letters or digits, or be unset to generate one per start.',
      );
    }
  } else {
    if (e.STRIPE_PUBLISHABLE_KEY === undefined) {
      problems.push(`STRIPE_PUBLISHABLE_KEY is missing: set the pk_${mode}_… key that pairs with your STRIPE_SECRET_KEY.`);
    } else if (publishableMode !== undefined && secretMode !== undefined && publishableMode !== secretMode) {
      problems.push(
        `STRIPE_PUBLISHABLE_KEY is a ${publishableMode}-mode key but STRIPE_SECRET_KEY is a ${secretMode}-mode key: use the pk_${secretMode}_… key from the same Dashboard page.`,
      );
    }
    if (e.STRIPE_WEBHOOK_SECRET === undefined) {
      problems.push(
        'STRIPE_WEBHOOK_SECRET is missing: set the whsec_… signing secret of your webhook endpoint (Dashboard → Developers → Webhooks, or the one `stripe listen` prints). Webhooks are never accepted unverified.',
      );
    } else {
      const secrets = parseWebhookSecrets(e.STRIPE_WEBHOOK_SECRET);
      if (typeof secrets === 'string') problems.push(secrets);
      else webhookSecrets = secrets;
    }
    for (const name of ['EMULATOR_PORT', 'EMULATOR_ORIGINS', 'EMULATOR_WEBHOOK_SECRET'] as const) {
      if (e[name] !== undefined) problems.push(`${name} only applies in emulated mode (no STRIPE_SECRET_KEY): unset it.`);
    }
  }

  let apiUrl: URL | null = null;
  if (e.STRIPE_API_URL !== undefined && mode !== 'emulated') {
    if (mode === 'live') {
      problems.push(
        'STRIPE_API_URL may only be used with test keys (sk_test_… or rk_test_…): live mode always talks to api.stripe.com. Unset it.',
      );
    } else if (!URL.canParse(e.STRIPE_API_URL) || new URL(e.STRIPE_API_URL).protocol !== 'https:') {
      problems.push(
        'STRIPE_API_URL must be an https:// URL such as https://localhost:12111 (the emulator started with `npm run emulator`).',
      );
    } else {
      apiUrl = new URL(e.STRIPE_API_URL);
    }
  }

  const tlsMode: TlsMode = e.TLS_MODE ?? 'app';
  const httpsPort = e.PORT ?? DEFAULTS.port;
  const httpPort = tlsMode === 'proxy' ? null : (e.HTTP_PORT ?? DEFAULTS.httpPort);
  if (httpsPort !== 0 && httpsPort === httpPort) {
    problems.push(`PORT and HTTP_PORT are both ${httpsPort}: the HTTPS server and the HTTP redirect server need different ports.`);
  }
  if (tlsMode === 'proxy') problems.push(...proxyModeProblems(e));

  let publicUrl: string | null = null;
  if (e.PUBLIC_URL !== undefined) {
    const url = URL.canParse(e.PUBLIC_URL) ? new URL(e.PUBLIC_URL) : undefined;
    if (!url || url.protocol !== 'https:') {
      problems.push('PUBLIC_URL must be an https:// URL such as https://shop.example.com (the shop is served over HTTPS only).');
    } else if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
      problems.push(`PUBLIC_URL must be an origin only (scheme, host, optional port), e.g. ${url.origin}.`);
    } else {
      publicUrl = url.origin;
    }
  } else if (mode === 'live') {
    problems.push('PUBLIC_URL is required in live mode: set the https:// address customers use, e.g. https://shop.example.com.');
  }

  // Unset PUBLIC_URL means https://localhost:<PORT>: loopback.
  const production = e.NODE_ENV === 'production';
  const publicHost = publicUrl === null ? 'localhost' : new URL(publicUrl).hostname;
  const loopback = isLoopbackHost(publicHost);
  if (mode === 'emulated') {
    // The emulator marks orders paid with no money involved: never where customers could pay.
    const fix = 'Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET (live keys, or test keys for a staging shop)';
    if (production) {
      problems.push(
        `Emulated mode (no STRIPE_SECRET_KEY) takes fake payments, so it does not start with NODE_ENV=production. ${fix}, or unset NODE_ENV to develop locally (SECURITY_HEADERS=production still sends production's headers).`,
      );
    }
    if (!loopback) {
      problems.push(
        `Emulated mode (no STRIPE_SECRET_KEY) takes fake payments, so it only runs on a loopback PUBLIC_URL (localhost, *.localhost, 127.0.0.0/8, [::1]), not on ${publicUrl ?? ''}. ${fix}, or unset PUBLIC_URL to develop on https://localhost:<PORT>.`,
      );
    }
  }

  const lab = e.LAB_MODE === 'true';
  if (lab) problems.push(...labModeProblems({ mode, production, loopback, publicUrl }));

  // Production headers (two-year HSTS) wherever a real host name or deployment is involved;
  // development headers only on a loopback origin outside production, where a lasting HSTS
  // policy would stick to the name `localhost` and upgrade every other local server too.
  const developmentAllowed = !production && loopback && mode !== 'live';
  const securityHeaders: SecurityHeadersProfile = e.SECURITY_HEADERS ?? (developmentAllowed ? 'development' : 'production');
  if (securityHeaders === 'development' && !developmentAllowed) {
    const why = production ? 'NODE_ENV=production' : mode === 'live' ? 'live mode' : `PUBLIC_URL ${publicUrl ?? ''}, which is not loopback`;
    problems.push(
      `SECURITY_HEADERS=development sends no lasting HSTS, which is only for a loopback PUBLIC_URL outside production, not with ${why}: unset SECURITY_HEADERS (or set it to production).`,
    );
  }
  if (securityHeaders === 'development' && e.HSTS_PRELOAD === 'true') {
    problems.push(
      'HSTS_PRELOAD=true needs the production headers, but they are development here (a loopback PUBLIC_URL, no NODE_ENV=production): unset HSTS_PRELOAD, or set SECURITY_HEADERS=production.',
    );
  }

  if (tlsMode === 'app' && (e.TLS_CERT_FILE === undefined) !== (e.TLS_KEY_FILE === undefined)) {
    problems.push('Set both TLS_CERT_FILE and TLS_KEY_FILE (PEM files), or neither to use the development CA.');
  }
  if (mode === 'live' && tlsMode === 'app' && (e.TLS_CERT_FILE === undefined || e.TLS_KEY_FILE === undefined)) {
    problems.push(
      'Live mode needs a real certificate: set TLS_CERT_FILE and TLS_KEY_FILE to PEM files issued for your PUBLIC_URL host (the development CA is for localhost only), or set TLS_MODE=proxy when a proxy or load balancer in front terminates TLS (docs/deploy.md).',
    );
  }
  const tls =
    tlsMode === 'app' && e.TLS_CERT_FILE !== undefined && e.TLS_KEY_FILE !== undefined
      ? {
          certFile: path.resolve(e.TLS_CERT_FILE),
          keyFile: path.resolve(e.TLS_KEY_FILE),
          // Live customers' browsers must accept it: a public CA's certificate for PUBLIC_URL's host.
          requirements: mode === 'live' ? { host: publicHost } : null,
        }
      : null;

  const webhookSources = parseWebhookSources(e.STRIPE_WEBHOOK_IPS);
  if (typeof webhookSources === 'string') problems.push(webhookSources);
  else if (webhookSources !== null && mode === 'emulated') {
    // The emulator delivers from this machine, never from Stripe's addresses.
    problems.push(
      'STRIPE_WEBHOOK_IPS only applies with real Stripe webhooks (test or live mode): the emulator delivers from this machine. Unset it (or set it to off) in emulated mode.',
    );
  }

  const database = parseDatabaseUrl(e.DATABASE_URL ?? DEFAULTS.databaseUrl);
  if (typeof database === 'string') problems.push(database);
  else if (mode === 'live' && database.engine === 'postgres' && !usesDatabaseTls(database.url)) {
    // Orders and payment ids cross the network to a remote database: TLS everywhere, as for Stripe.
    problems.push(
      'DATABASE_URL points at a remote PostgreSQL without TLS in live mode: add ?sslmode=verify-full (or sslmode=require) to the URL.',
    );
  }

  if (problems.length > 0 || typeof database === 'string') throw new ConfigError(problems);

  const emulated = mode === 'emulated';
  return {
    mode,
    lab,
    tlsMode,
    port: httpsPort,
    httpPort,
    publicUrl,
    tls,
    database,
    // Several instances share a PostgreSQL database, and a limit per instance would be a
    // limit times the instance count: with PostgreSQL the counters live in it by default.
    rateLimitStore: e.RATE_LIMIT_STORE ?? (database.engine === 'postgres' ? 'database' : 'memory'),
    clientDistDir: path.resolve(e.CLIENT_DIST_DIR ?? DEFAULTS.clientDistDir),
    catalog: { file: resolveCatalogFile(e.CATALOG_FILE), publicDir: path.join(REPO_ROOT, 'client', 'public') },
    logLevel: e.LOG_LEVEL ?? 'info',
    securityHeaders,
    hstsPreload: e.HSTS_PRELOAD === 'true',
    webhookSources: typeof webhookSources === 'string' ? null : webhookSources,
    trustProxyHops: e.TRUST_PROXY ?? 0,
    checkoutRateLimit: e.CHECKOUT_RATE_LIMIT ?? DEFAULT_CHECKOUT_RATE_LIMIT,
    platformFeeBps: e.PLATFORM_FEE_BPS ?? DEFAULT_PLATFORM_FEE_BPS,
    sellers: {
      sessionIdleMs:
        e.SELLER_SESSION_IDLE_MINUTES === undefined ? DEFAULT_SELLER_TIMEOUTS.sessionIdleMs : e.SELLER_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs:
        e.SELLER_SESSION_MAX_HOURS === undefined ? DEFAULT_SELLER_TIMEOUTS.sessionMaxMs : e.SELLER_SESSION_MAX_HOURS * 3_600_000,
      enrolLinkMs: e.SELLER_ENROL_LINK_HOURS === undefined ? DEFAULT_SELLER_TIMEOUTS.enrolLinkMs : e.SELLER_ENROL_LINK_HOURS * 3_600_000,
    },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY ?? DEFAULTS.emulatedSecretKey,
      publishableKey: e.STRIPE_PUBLISHABLE_KEY ?? DEFAULTS.emulatedPublishableKey,
      webhookSecrets: emulated ? null : webhookSecrets,
      apiUrl,
    },
    emulator: emulated
      ? {
          port: e.EMULATOR_PORT ?? DEFAULTS.emulatorPort,
          origins: e.EMULATOR_ORIGINS ?? 'local',
          webhookSecret: e.EMULATOR_WEBHOOK_SECRET ?? null,
        }
      : null,
  };
}

/**
 * TLS_MODE=proxy: the proxy in front terminates TLS and forwards plain HTTP. Our redirect of
 * non-https requests and the client address both depend on believing the proxy's
 * X-Forwarded-* headers (TRUST_PROXY hops), and the redirect target is PUBLIC_URL, the one
 * https origin we know. Variables that only app mode reads are refused rather than ignored:
 * a certificate set here would never be served, and nobody should believe it is.
 */
function proxyModeProblems(e: z.infer<typeof EnvSchema>): string[] {
  const problems: string[] = [];
  if ((e.TRUST_PROXY ?? 0) < 1) {
    problems.push(
      'TLS_MODE=proxy needs TRUST_PROXY set to the number of proxies in front of the app (1 for one load balancer): the app believes X-Forwarded-Proto and X-Forwarded-For only from them.',
    );
  }
  if (e.PUBLIC_URL === undefined) {
    problems.push(
      'TLS_MODE=proxy needs PUBLIC_URL, the https:// address customers use (e.g. https://shop.example.com): plain-HTTP requests are redirected there.',
    );
  }
  for (const name of ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'HTTP_PORT'] as const) {
    if (e[name] !== undefined) {
      const why = name === 'HTTP_PORT' ? 'there is no redirect server (the proxy redirects http://)' : 'the proxy serves the certificate';
      problems.push(`${name} only applies with TLS_MODE=app; with TLS_MODE=proxy ${why}. Unset ${name}, or set TLS_MODE=app.`);
    }
  }
  return problems;
}

/**
 * LAB_MODE=true turns security controls off on request (the lab panel), to show each one by
 * attacking the shop without it: only where nothing real can be hurt, i.e. the emulator's fake
 * payments, on this machine, outside production. Each refusal says how to get there.
 */
function labModeProblems(where: { mode: Mode; production: boolean; loopback: boolean; publicUrl: string | null }): string[] {
  const problems: string[] = [];
  const why = 'LAB_MODE=true lets the lab panel switch security controls off';
  if (where.mode !== 'emulated') {
    problems.push(
      `${why}, so it never runs with Stripe keys: unset STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET (the lab uses the local emulator), or unset LAB_MODE.`,
    );
  }
  if (where.production) problems.push(`${why}, so it never runs with NODE_ENV=production: unset NODE_ENV, or unset LAB_MODE.`);
  if (!where.loopback) {
    problems.push(
      `${why}, so it only runs on a loopback PUBLIC_URL (localhost, *.localhost, 127.0.0.0/8, [::1]), not on ${where.publicUrl ?? ''}: unset PUBLIC_URL, or unset LAB_MODE.`,
    );
  }
  return problems;
}

/**
 * STRIPE_WEBHOOK_SECRET: one whsec_… secret, or a comma-separated list while the endpoint's
 * secret is rolled (Stripe signs with both for a while: https://docs.stripe.com/webhooks#roll-endpoint-secrets).
 * A string result is the problem to report at startup.
 */
export function parseWebhookSecrets(value: string): string[] | string {
  const secrets = value.split(',').map((secret) => secret.trim());
  if (secrets.some((secret) => secret === '')) {
    return 'STRIPE_WEBHOOK_SECRET has an empty item: give one whsec_… secret, or two separated by a comma while rolling the secret (no leading, trailing or double commas).';
  }
  const wrong = secrets.map((secret, index) => (WEBHOOK_SECRET.test(secret) ? null : index + 1)).filter((index) => index !== null);
  if (wrong.length > 0) {
    const which = secrets.length === 1 ? 'STRIPE_WEBHOOK_SECRET' : `STRIPE_WEBHOOK_SECRET item ${wrong.join(', ')}`;
    return `${which} must start with whsec_ (copy the signing secret, not the endpoint id).`;
  }
  return secrets;
}

/** CATALOG_FILE (absolute, or relative to the repository root) or config/catalog.json, as an absolute path. */
export function resolveCatalogFile(value: string | undefined): string {
  return path.resolve(REPO_ROOT, value === undefined || value === '' ? DEFAULTS.catalogFile : value);
}

/** `file:<path>` (SQLite) or `postgres://…` / `postgresql://…`; a string is the problem to report. */
export function parseDatabaseUrl(value: string): DatabaseLocation | string {
  const usage = `DATABASE_URL must be file:<path to a SQLite file> (e.g. ${DEFAULTS.databaseUrl}) or postgres://user:password@host:5432/database.`;
  if (value.startsWith('file:')) {
    const file = value.slice('file:'.length);
    return file === '' ? usage : { engine: 'sqlite', file: path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(value)) {
    if (!URL.canParse(value) || new URL(value).hostname === '') return `DATABASE_URL is not a valid PostgreSQL URL. ${usage}`;
    return { engine: 'postgres', url: value };
  }
  return usage;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether an https URL's host (as the WHATWG URL parser normalises it: `127.1` becomes
 * `127.0.0.1`, `[0::1]` becomes `[::1]`) can only be this machine: `localhost` and
 * `*.localhost` (RFC 6761 §6.3 reserves them for loopback, and Chromium and Firefox answer
 * them with loopback without asking DNS, so no customer reaches them), 127.0.0.0/8 and [::1].
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

/** Loopback needs no TLS; anything else must ask for it (`sslmode`, read by `pg`). */
function usesDatabaseTls(url: string): boolean {
  const parsed = new URL(url);
  if (LOOPBACK_HOSTS.has(parsed.hostname)) return true;
  return ['require', 'verify-ca', 'verify-full'].includes(parsed.searchParams.get('sslmode') ?? '');
}

/** PUBLIC_URL, or the local address once the HTTPS port is known (PORT=0 picks one). */
export function resolvePublicUrl(config: Pick<Config, 'publicUrl'>, listeningPort: number): string {
  return config.publicUrl ?? `https://localhost:${listeningPort}`;
}

/** Reads `.env` (when present) into process.env, then validates process.env. */
export function loadConfigFromProcess(envFile = '.env'): Config {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return loadConfig(process.env);
}
