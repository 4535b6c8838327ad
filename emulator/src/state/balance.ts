// The account's balance transactions: one for each charge that succeeds, each refund and each
// dispute's withdrawal, as Stripe records them (https://docs.stripe.com/api/balance_transactions).
import type Stripe from 'stripe';
import type { EmulatorContext } from '../context';
import { createId } from '../ids';
import { payDestination } from './destination-charges';
import { buildBalanceTransaction, type BalanceTransactionInput } from '../objects/balance-transaction';

/** Where a charge's receipt page is served (pages/routes/receipt.ts). */
export const RECEIPT_PATH = '/receipts/payment/';

/** The receipt address of a charge, on the origin browsers reach Checkout at. */
export function receiptUrl(context: Pick<EmulatorContext, 'origins'>, chargeId: string): string {
  return `${context.origins.checkout}${RECEIPT_PATH}${chargeId}`;
}

export function recordBalanceTransaction(context: EmulatorContext, input: Omit<BalanceTransactionInput, 'id'>): Stripe.BalanceTransaction {
  const transaction = buildBalanceTransaction({ id: createId('txn'), ...input });
  context.store.balanceTransactions.set(transaction.id, transaction);
  return transaction;
}

/**
 * A charge as it is once its money moved: its balance transaction and its receipt (Stripe
 * sets both when a charge succeeds, https://docs.stripe.com/api/charges/object#charge_object-receipt_url).
 */
export function settleCharge(context: EmulatorContext, charge: Stripe.Charge, created: number): Stripe.Charge {
  const transaction = recordBalanceTransaction(context, {
    created,
    amount: charge.amount,
    currency: charge.currency,
    sourceId: charge.id,
    type: 'charge',
    reportingCategory: 'charge',
    description: charge.description,
  });
  // A destination charge pays its connected account once its own money has moved.
  return payDestination(context, { ...charge, balance_transaction: transaction.id, receipt_url: receiptUrl(context, charge.id) }, created);
}
