import type Stripe from 'stripe';

export interface TransferInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  destination: string;
  /** The charge whose funds it moves (a destination charge's). */
  sourceChargeId: string;
  balanceTransactionId: string;
  /** Reversals so far, oldest first. */
  reversals: Stripe.TransferReversal[];
}

/** The transfer a destination charge makes to its connected account: https://docs.stripe.com/api/transfers/object */
export function buildTransfer(input: TransferInput): Stripe.Transfer {
  const reversed = input.reversals.reduce((sum, reversal) => sum + reversal.amount, 0);
  return {
    id: input.id,
    object: 'transfer',
    amount: input.amount,
    amount_reversed: reversed,
    balance_transaction: input.balanceTransactionId,
    created: input.created,
    currency: input.currency,
    description: null,
    destination: input.destination,
    livemode: false,
    metadata: {},
    reversals: {
      object: 'list',
      data: [...input.reversals].reverse(),
      has_more: false,
      url: `/v1/transfers/${input.id}/reversals`,
    },
    reversed: reversed >= input.amount,
    source_transaction: input.sourceChargeId,
    source_type: 'card',
    transfer_group: null,
  };
}

export interface ApplicationFeeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  account: string;
  chargeId: string;
  balanceTransactionId: string;
  /** The platform's application (the emulator has one). */
  application: string;
  refunds: Stripe.FeeRefund[];
}

/** The platform's fee on a destination charge: https://docs.stripe.com/api/application_fees/object */
export function buildApplicationFee(input: ApplicationFeeInput): Stripe.ApplicationFee {
  const refunded = input.refunds.reduce((sum, refund) => sum + refund.amount, 0);
  return {
    id: input.id,
    object: 'application_fee',
    account: input.account,
    amount: input.amount,
    amount_refunded: refunded,
    application: input.application,
    balance_transaction: input.balanceTransactionId,
    charge: input.chargeId,
    created: input.created,
    currency: input.currency,
    fee_source: { charge: input.chargeId, type: 'charge' },
    livemode: false,
    originating_transaction: null,
    refunded: refunded >= input.amount,
    refunds: { object: 'list', data: [...input.refunds].reverse(), has_more: false, url: `/v1/application_fees/${input.id}/refunds` },
  };
}
