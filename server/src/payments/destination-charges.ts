// Destination charges: a cart of one seller's products is paid to the platform and sent on to
// that seller's connected account, less the platform's fee
// (https://docs.stripe.com/connect/destination-charges). Decided before the pending order is
// written, so a refused cart changes nothing: every line must be the same seller's (a payment
// has one destination), and that account must be able to take charges now.
import type Stripe from 'stripe';
import { AppError } from '../errors';
import type { SellerStore } from '../store/seller-store';
import type { PricedCart } from './cart';

export interface DestinationDeps {
  stripe: Stripe;
  sellers: Pick<SellerStore, 'findSellerByEmail'>;
  /** The platform's fee in basis points of the amount (PLATFORM_FEE_BPS): 1000 = 10 %. */
  platformFeeBps: number;
}

export type DestinationParams = Pick<Stripe.PaymentIntentCreateParams, 'transfer_data' | 'application_fee_amount'>;

/** The fee in the currency's minor unit, rounded down (the seller never gets less than their share). */
export function platformFee(amount: number, feeBps: number): number {
  return Math.floor((amount * feeBps) / 10_000);
}

/** `transfer_data` and `application_fee_amount` for a cart of one seller's products; {} for the shop's own. */
export async function destinationFor(deps: DestinationDeps | undefined, cart: PricedCart): Promise<DestinationParams> {
  const sellers = new Set(cart.lines.map((line) => line.product.seller ?? null));
  if (sellers.size > 1) {
    throw new AppError(
      400,
      'mixed_sellers',
      'These products come from different sellers: buy each seller’s products in a payment of their own.',
    );
  }
  const email = [...sellers][0] ?? null;
  if (email === null) return {};
  const unavailable = () =>
    new AppError(409, 'seller_cannot_take_charges', 'This seller cannot take payments yet. Please try again later.');
  if (!deps) throw unavailable();
  const seller = await deps.sellers.findSellerByEmail(email);
  if (!seller?.stripeAccountId) throw unavailable();
  let account: Stripe.Account;
  try {
    account = await deps.stripe.accounts.retrieve(seller.stripeAccountId);
  } catch (error) {
    throw new AppError(502, 'payment_provider_error', 'The payment provider could not start the payment. Please try again.', {
      cause: error,
    });
  }
  if (!account.charges_enabled) throw unavailable();
  return {
    transfer_data: { destination: account.id },
    application_fee_amount: platformFee(cart.amount, deps.platformFeeBps),
  };
}
