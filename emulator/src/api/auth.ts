// API key check. The emulator is test mode only: a live key is refused even when well
// formed, so a real key pasted into a workshop laptop never works against it.
// https://docs.stripe.com/keys
import type { Request } from 'express';
import { forbidden, unauthorized } from './errors';

export interface AuthOptions {
  /** When set, only these secret keys are accepted; otherwise any well-formed `sk_test_` key. */
  secretKeys?: readonly string[];
  /** Restricted keys (`rk_test_…`) the emulator accepts, each with the permissions it was granted. */
  restrictedKeys?: ReadonlyMap<string, readonly string[]>;
  /** The account id Stripe names in a permission error. */
  accountId?: string;
}

/**
 * What a call needs of a restricted key, in Stripe's permission names: `rak_<resource>_read` for a
 * GET, `rak_<resource>_write` for a POST; a write permission includes read.
 */
export interface RequiredPermission {
  resource: string;
  access: 'read' | 'write';
}

const SECRET_TEST_KEY = /^sk_test_[A-Za-z0-9_]{8,247}$/;

/** Returns the secret key the request authenticated with, or throws Stripe's 401. */
export function authenticateSecretKey(req: Request, options: AuthOptions): string {
  const key = readApiKey(req.get('authorization'));
  if (!key) {
    return fail(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  if (key.startsWith('sk_live_') || key.startsWith('rk_live_') || key.startsWith('pk_live_')) {
    return fail('This is the local Stripe emulator: it accepts test-mode keys (sk_test_...) only. Never use a live key here.');
  }
  if (key.startsWith('pk_test_')) {
    return fail('This API call cannot be made with a publishable API key. Please use a secret API key.');
  }
  if (key.startsWith('rk_test_')) {
    if (!options.restrictedKeys?.has(key)) return fail(`Invalid API Key provided: ${redactKey(key)}`);
    return key;
  }
  if (!SECRET_TEST_KEY.test(key) || (options.secretKeys && !options.secretKeys.includes(key))) {
    return fail(`Invalid API Key provided: ${redactKey(key)}`);
  }
  return key;
}

/**
 * Throws Stripe's 403 when `key` is a restricted key without the permission a call needs; a
 * secret key (`sk_…`) has every permission. The message has Stripe's wording, which names the
 * missing permission (https://docs.stripe.com/keys#limit-access).
 */
export function authorizeKey(key: string, required: RequiredPermission | undefined, options: AuthOptions): void {
  if (!key.startsWith('rk_') || required === undefined) return;
  const granted = options.restrictedKeys?.get(key) ?? [];
  const needed = `rak_${required.resource}_${required.access}`;
  if (granted.includes(needed) || granted.includes(`rak_${required.resource}_write`)) return;
  throw forbidden(
    `The provided key '${redactKey(key)}' does not have the required permissions for this endpoint on account '${options.accountId ?? ''}'. Having the '${needed}' permission would allow this request to continue.`,
  );
}

const PUBLISHABLE_TEST_KEY = /^pk_test_[A-Za-z0-9_]{8,247}$/;

/**
 * The publishable key Stripe.js sends from the browser (as the `key` parameter, or Bearer).
 * Only `pk_test_…`: a secret key in a browser is a leak, so it is refused here too.
 */
export function authenticatePublishableKey(req: Request, keyParam: unknown): string {
  const key = typeof keyParam === 'string' && keyParam ? keyParam : readApiKey(req.get('authorization'));
  if (!key) return fail('You did not provide an API key. Stripe.js sends your publishable key (pk_test_...) as the `key` parameter.');
  if (key.startsWith('pk_live_') || key.startsWith('sk_live_') || key.startsWith('rk_live_')) {
    return fail('This is the local Stripe emulator: it accepts test-mode keys only. Never use a live key here.');
  }
  if (key.startsWith('sk_') || key.startsWith('rk_')) {
    return fail(
      'This endpoint is called from the browser: use your publishable key (pk_test_...). A secret key must never reach a browser.',
    );
  }
  if (!PUBLISHABLE_TEST_KEY.test(key)) return fail(`Invalid API Key provided: ${redactKey(key)}`);
  return key;
}

/** Whether the request carries a publishable key (Bearer or the `key` parameter). */
export function hasPublishableKey(req: Request, keyParam: unknown): boolean {
  const key = typeof keyParam === 'string' && keyParam ? keyParam : readApiKey(req.get('authorization'));
  return key?.startsWith('pk_') === true;
}

function fail(message: string): never {
  throw unauthorized(message);
}

/** Bearer auth as stripe-node sends it, and Basic auth (`curl -u sk_test_...:`) as curl does. */
function readApiKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':', 1)[0];
  return undefined;
}

/** Stripe echoes only the end of a wrong key, never the whole of it. */
function redactKey(key: string): string {
  const prefix = key.slice(0, key.indexOf('_', 3) + 1 || 3);
  return `${prefix}${'*'.repeat(Math.max(0, Math.min(key.length - prefix.length - 4, 20)))}${key.slice(-4)}`;
}
