// Account Sessions: the platform's server asks for one connected account's embedded
// components; the client secret it gets is the only credential the Connect.js stand-in
// holds, and it opens that account only, until it expires.
// https://docs.stripe.com/api/account_sessions
import { timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { StripeError } from '../api/errors';
import { createId } from '../ids';
import { buildAccountSession, type ComponentSettings } from '../objects/account-session';
import type { StoredAccountSession } from '../store';
import { findConnectedAccount } from './connected-accounts';

// Stripe's Account Sessions last an hour: https://docs.stripe.com/api/account_sessions/object#account_session_object-expires_at
const LIFETIME_S = 60 * 60;

export function createAccountSession(context: EmulatorContext, account: string, components: ComponentSettings): Stripe.AccountSession {
  findConnectedAccount(context, account);
  const session = buildAccountSession({
    account,
    clientSecret: createId('accs_secret_', 40),
    expiresAt: nowSeconds(context) + LIFETIME_S,
    components,
  });
  context.store.accountSessions.set(session.client_secret, {
    account,
    expiresAt: session.expires_at,
    components: session.components,
  });
  return session;
}

/**
 * The session a client secret opens, for `account` only: a secret of another account, an
 * expired one or an unknown one all get the same 401, so a secret reveals nothing else.
 */
export function authorizeAccountSession(
  context: EmulatorContext,
  clientSecret: string | undefined,
  account?: string,
): StoredAccountSession {
  const session = clientSecret ? findSession(context, clientSecret) : undefined;
  if (!session || session.expiresAt <= nowSeconds(context) || (account !== undefined && session.account !== account)) {
    throw new StripeError(401, 'invalid_request_error', 'This account session is invalid or has expired: create a new one on your server.');
  }
  return session;
}

function findSession(context: EmulatorContext, clientSecret: string): StoredAccountSession | undefined {
  for (const [secret, session] of context.store.accountSessions) {
    const a = Buffer.from(secret);
    const b = Buffer.from(clientSecret);
    if (a.length === b.length && timingSafeEqual(a, b)) return session;
  }
  return undefined;
}
