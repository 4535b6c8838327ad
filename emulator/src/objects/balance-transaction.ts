import type Stripe from 'stripe';

export interface BalanceTransactionInput {
  id: string;
  created: number;
  /** Positive into the balance (a charge), negative out of it (a refund, a dispute's withdrawal). */
  amount: number;
  currency: string;
  /** The charge, refund or dispute it moved money for. */
  sourceId: string;
  type: 'charge' | 'refund' | 'adjustment' | 'transfer' | 'transfer_refund' | 'application_fee' | 'application_fee_refund';
  reportingCategory: 'charge' | 'refund' | 'dispute' | 'transfer' | 'transfer_reversal' | 'platform_earning' | 'platform_earning_refund';
  description: string | null;
}

/** Funds become available after the payout schedule's delay; two days is Stripe's fastest standard one. */
const AVAILABLE_AFTER_S = 2 * 24 * 60 * 60;

/**
 * Money moving through the account's balance. The emulator takes no fees (`fee: 0`, so
 * `net` is the amount): Stripe's pricing varies by account and country.
 * https://docs.stripe.com/api/balance_transactions/object
 */
export function buildBalanceTransaction(input: BalanceTransactionInput): Stripe.BalanceTransaction {
  return {
    id: input.id,
    object: 'balance_transaction',
    amount: input.amount,
    available_on: input.created + AVAILABLE_AFTER_S,
    balance_type: 'payments',
    created: input.created,
    currency: input.currency,
    description: input.description,
    exchange_rate: null,
    fee: 0,
    fee_details: [],
    net: input.amount,
    reporting_category: input.reportingCategory,
    source: input.sourceId,
    status: 'pending',
    type: input.type,
  };
}
