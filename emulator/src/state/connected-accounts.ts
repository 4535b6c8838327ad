// The platform's connected accounts (Connect): created by the platform's server with controller
// properties, onboarded through the account onboarding component, each change announced by an
// `account.updated` event that carries the account (sent to Connect webhook endpoints only).
// https://docs.stripe.com/api/accounts and https://docs.stripe.com/connect/webhooks
import type Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest, resourceMissing, StripeError } from '../api/errors';
import { createId } from '../ids';
import { buildConnectedAccount, type ConnectedAccountInput, type OnboardingDetails } from '../objects/connected-account';
import { buildEvent } from '../objects/event';
import type { StoredConnectedAccount } from '../store';

export type NewConnectedAccount = Omit<ConnectedAccountInput, 'id' | 'created' | 'onboarding'>;

export function createConnectedAccount(context: EmulatorContext, input: NewConnectedAccount): Stripe.Account {
  const stored = store(context, { ...input, id: createId('acct', 16), created: nowSeconds(context), onboarding: null });
  return stored.account;
}

export function findConnectedAccount(context: EmulatorContext, id: string): Stripe.Account {
  return findStored(context, id).account;
}

/**
 * The onboarding form's submission: the account has what it owed, its capabilities become
 * active, and the platform hears `account.updated` with what changed.
 */
export function submitOnboarding(context: EmulatorContext, id: string, details: Omit<OnboardingDetails, 'tosAcceptedAt'>): Stripe.Account {
  const stored = findStored(context, id);
  if (stored.input.onboarding !== null) throw invalidRequest('This account has already been onboarded.', undefined, 'account_invalid');
  const created = nowSeconds(context);
  const before = stored.account;
  const after = store(context, { ...stored.input, onboarding: { ...details, tosAcceptedAt: created } }).account;
  const event = buildEvent('account.updated', after, { created, request: { id: null, idempotency_key: null }, account: id });
  context.emit({
    ...event,
    data: {
      object: after,
      previous_attributes: {
        charges_enabled: before.charges_enabled,
        details_submitted: before.details_submitted,
        payouts_enabled: before.payouts_enabled,
        requirements: before.requirements,
      },
    },
  });
  return after;
}

/**
 * Stripe refuses a destination charge to an account that cannot receive transfers.
 * https://docs.stripe.com/connect/destination-charges
 */
export function checkDestination(context: EmulatorContext, destination: string, param: string): void {
  const stored = context.store.connectedAccounts.get(destination);
  if (!stored) throw resourceMissing('account', destination, param);
  if (stored.account.capabilities?.transfers !== 'active' || !stored.account.charges_enabled) {
    throw new StripeError(
      400,
      'invalid_request_error',
      'Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments',
      { code: 'insufficient_capabilities_for_transfer', param },
    );
  }
}

function store(context: EmulatorContext, input: ConnectedAccountInput): StoredConnectedAccount {
  const stored = { input, account: buildConnectedAccount(input) };
  context.store.connectedAccounts.set(input.id, stored);
  return stored;
}

function findStored(context: EmulatorContext, id: string): StoredConnectedAccount {
  const stored = context.store.connectedAccounts.get(id);
  // Stripe answers an account the platform does not control as if it did not exist.
  if (!stored) throw resourceMissing('account', id, 'account');
  return stored;
}
