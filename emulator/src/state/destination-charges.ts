// Destination charges: the platform charges the customer, the charge's funds go to a connected
// account by a transfer, and the platform keeps its application fee. Refunds may reverse the
// transfer and refund the fee, proportionally.
// https://docs.stripe.com/connect/destination-charges and https://docs.stripe.com/api/refunds/create
import type Stripe from 'stripe';
import type { EmulatorContext } from '../context';
import { invalidRequest } from '../api/errors';
import { createId } from '../ids';
import { buildEvent, type EventContext } from '../objects/event';
import { buildApplicationFee, buildTransfer } from '../objects/transfer';
import type { DestinationChargeData } from '../store';
import { recordBalanceTransaction } from './balance';
import { checkDestination } from './connected-accounts';

/** The platform's Connect application (`ca_…`), random per emulator start. */
const APPLICATION_ID = createId('ca', 32);

export interface DestinationParams {
  destination: string | undefined;
  applicationFeeAmount: number | undefined;
  /** The charge amount the fee is taken from. */
  amount: number;
  /** Where the parameters sit in the request (`payment_intent_data` for Checkout), for errors. */
  paramPrefix: string;
}

/** Checks a request's destination charge parameters; null when it is not a destination charge. */
export function resolveDestination(context: EmulatorContext, params: DestinationParams): DestinationChargeData | null {
  const param = (name: string) => (params.paramPrefix ? `${params.paramPrefix}[${name}]` : name);
  if (params.destination === undefined) {
    if (params.applicationFeeAmount !== undefined) {
      throw invalidRequest(
        'application_fee_amount can only be used with transfer_data[destination] (a destination charge) in the emulator.',
        param('application_fee_amount'),
      );
    }
    return null;
  }
  const fee = params.applicationFeeAmount ?? null;
  if (fee !== null && fee > params.amount) {
    throw invalidRequest(
      'The application fee cannot be greater than the charge amount.',
      param('application_fee_amount'),
      'amount_too_large',
    );
  }
  checkDestination(context, params.destination, `${param('transfer_data')}[destination]`);
  return { destination: params.destination, applicationFeeAmount: fee };
}

/**
 * What a succeeded destination charge sets off: the transfer of its amount to the connected
 * account and the application fee back to the platform, each with its balance transaction.
 */
export function payDestination(context: EmulatorContext, charge: Stripe.Charge, created: number): Stripe.Charge {
  const destination = charge.transfer_data?.destination;
  if (destination === undefined) return charge;
  const account = typeof destination === 'string' ? destination : destination.id;
  const events: EventContext = { created, request: { id: null, idempotency_key: null } };
  const transferId = createId('tr');
  const transfer = buildTransfer({
    id: transferId,
    created,
    amount: charge.amount,
    currency: charge.currency,
    destination: account,
    sourceChargeId: charge.id,
    balanceTransactionId: recordBalanceTransaction(context, {
      created,
      amount: -charge.amount,
      currency: charge.currency,
      sourceId: transferId,
      type: 'transfer',
      reportingCategory: 'transfer',
      description: null,
    }).id,
    reversals: [],
  });
  context.store.transfers.set(transfer.id, transfer);
  context.emit(buildEvent('transfer.created', transfer, events));
  let feeId: string | null = null;
  if (charge.application_fee_amount !== null && charge.application_fee_amount > 0) {
    feeId = createId('fee');
    const fee = buildApplicationFee({
      id: feeId,
      created,
      amount: charge.application_fee_amount,
      currency: charge.currency,
      account,
      chargeId: charge.id,
      application: APPLICATION_ID,
      balanceTransactionId: recordBalanceTransaction(context, {
        created,
        amount: charge.application_fee_amount,
        currency: charge.currency,
        sourceId: feeId,
        type: 'application_fee',
        reportingCategory: 'platform_earning',
        description: null,
      }).id,
      refunds: [],
    });
    context.store.applicationFees.set(fee.id, fee);
    context.emit(buildEvent('application_fee.created', fee, events));
  }
  return { ...charge, transfer: transfer.id, application_fee: feeId };
}

export interface RefundReversal {
  transferReversal: string | null;
}

/**
 * A refund's effect on a destination charge: `reverse_transfer` takes the refunded share back
 * from the connected account, `refund_application_fee` gives back the same share of the fee.
 */
export function reverseForRefund(
  context: EmulatorContext,
  charge: Stripe.Charge,
  refund: { id: string; amount: number },
  options: { reverseTransfer: boolean; refundApplicationFee: boolean },
  events: EventContext,
): RefundReversal {
  const transferId = typeof charge.transfer === 'string' ? charge.transfer : charge.transfer?.id;
  if (!transferId) {
    if (options.reverseTransfer) throw invalidRequest('This charge has no transfer to reverse.', 'reverse_transfer');
    if (options.refundApplicationFee) throw invalidRequest('This charge has no application fee to refund.', 'refund_application_fee');
    return { transferReversal: null };
  }
  const share = (total: number) => Math.round((total * refund.amount) / charge.amount);
  let transferReversal: string | null = null;
  const transfer = context.store.transfers.get(transferId);
  if (options.reverseTransfer && transfer) {
    const amount = Math.min(share(transfer.amount), transfer.amount - transfer.amount_reversed);
    const id = createId('trr');
    const reversal: Stripe.TransferReversal = {
      id,
      object: 'transfer_reversal',
      amount,
      balance_transaction: recordBalanceTransaction(context, {
        created: events.created,
        amount,
        currency: charge.currency,
        sourceId: id,
        type: 'transfer_refund',
        reportingCategory: 'transfer_reversal',
        description: null,
      }).id,
      created: events.created,
      currency: charge.currency,
      destination_payment_refund: null,
      metadata: {},
      source_refund: refund.id,
      transfer: transfer.id,
    };
    const reversed: Stripe.Transfer = {
      ...transfer,
      amount_reversed: transfer.amount_reversed + amount,
      reversed: transfer.amount_reversed + amount >= transfer.amount,
      reversals: { ...transfer.reversals, data: [reversal, ...transfer.reversals.data] },
    };
    context.store.transfers.set(reversed.id, reversed);
    context.emit(buildEvent('transfer.reversed', reversed, events));
    transferReversal = id;
  }
  const feeId = typeof charge.application_fee === 'string' ? charge.application_fee : charge.application_fee?.id;
  const fee = feeId ? context.store.applicationFees.get(feeId) : undefined;
  if (options.refundApplicationFee && fee) {
    const amount = Math.min(share(fee.amount), fee.amount - fee.amount_refunded);
    const id = createId('fr');
    const feeRefund: Stripe.FeeRefund = {
      id,
      object: 'fee_refund',
      amount,
      balance_transaction: recordBalanceTransaction(context, {
        created: events.created,
        amount: -amount,
        currency: charge.currency,
        sourceId: id,
        type: 'application_fee_refund',
        reportingCategory: 'platform_earning_refund',
        description: null,
      }).id,
      created: events.created,
      currency: charge.currency,
      fee: fee.id,
      metadata: {},
    };
    const refunded: Stripe.ApplicationFee = {
      ...fee,
      amount_refunded: fee.amount_refunded + amount,
      refunded: fee.amount_refunded + amount >= fee.amount,
      refunds: { ...fee.refunds, data: [feeRefund, ...fee.refunds.data] },
    };
    context.store.applicationFees.set(refunded.id, refunded);
    context.emit(buildEvent('application_fee.refunded', refunded, events));
  }
  return { transferReversal };
}
