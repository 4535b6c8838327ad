// A seller's connected account and the Account Sessions its embedded components run on. The
// account is the platform's to control (https://docs.stripe.com/connect/migrate-to-controller-properties):
// the platform pays Stripe's fees and covers losses, and collects the requirements itself
// through the onboarding component, so the seller never needs a Stripe Dashboard of their own
// (https://docs.stripe.com/connect/embedded-onboarding). An Account Session opens that one
// account's components to whoever holds its client secret, for an hour
// (https://docs.stripe.com/api/account_sessions): it is created for the signed-in seller's own
// account only, handed to their page, and neither logged nor stored.
import type Stripe from 'stripe';
import { AppError } from '../errors';
import type { Seller, SellerStore } from '../store/seller-store';

export interface ConnectedAccountDeps {
  stripe: Stripe;
  store: Pick<SellerStore, 'setStripeAccountId'>;
}

/** What a seller may do in the embedded components (the list: nothing more). */
export const SELLER_COMPONENTS = {
  account_onboarding: { enabled: true },
  account_management: { enabled: true },
  notification_banner: { enabled: true },
  payments: { enabled: true, features: { refund_management: true, dispute_management: true } },
  payouts: { enabled: true },
} as const satisfies Stripe.AccountSessionCreateParams.Components;

export const SELLER_ACCOUNT_CONTROLLER = {
  fees: { payer: 'application' },
  losses: { payments: 'application' },
  requirement_collection: 'application',
  stripe_dashboard: { type: 'none' },
} as const satisfies Stripe.AccountCreateParams.Controller;

/** One key per seller: two first requests racing get the same account from Stripe, not two. */
export function connectedAccountIdempotencyKey(sellerId: string): string {
  return `connected-account:${sellerId}`;
}

function providerError(error: unknown): AppError {
  return new AppError(502, 'payment_provider_error', 'The payment provider could not open the seller account. Please try again.', {
    cause: error,
  });
}

/** The seller's connected account id, creating the account (and storing its id) on first need. */
export async function ensureConnectedAccount(deps: ConnectedAccountDeps, seller: Seller): Promise<string> {
  if (seller.stripeAccountId !== null) return seller.stripeAccountId;
  let account: Stripe.Account;
  try {
    account = await deps.stripe.accounts.create(
      {
        controller: SELLER_ACCOUNT_CONTROLLER,
        email: seller.email,
        capabilities: { card_payments: { requested: true }, transfers: { requested: true } },
        metadata: { seller_id: seller.id },
      },
      { idempotencyKey: connectedAccountIdempotencyKey(seller.id) },
    );
  } catch (error) {
    throw providerError(error);
  }
  // The first id stored wins: a request that raced this one gets the same id back.
  return deps.store.setStripeAccountId(seller.id, account.id);
}

/** A client secret for the components of `seller`'s own account (created if it has none yet). */
export async function createSellerAccountSession(deps: ConnectedAccountDeps, seller: Seller): Promise<string> {
  const account = await ensureConnectedAccount(deps, seller);
  let session: Stripe.AccountSession;
  try {
    session = await deps.stripe.accountSessions.create({ account, components: SELLER_COMPONENTS });
  } catch (error) {
    throw providerError(error);
  }
  return session.client_secret;
}
