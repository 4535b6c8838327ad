// What the embedded components show and do for the one account their Account Session opens:
// its state, its onboarding, its destination charges (with refunds) and its payouts. Every
// function takes the session, never an account id from the browser alone.
import type Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { forbidden, resourceMissing } from '../api/errors';
import type { StoredAccountSession } from '../store';
import type { SupportedComponent } from '../objects/account-session';
import type { OnboardingDetails } from '../objects/connected-account';
import { findConnectedAccount, submitOnboarding } from './connected-accounts';
import { createRefund } from './refunds';

/** A destination charge as the payments component lists it: no card details. */
export interface ComponentPayment {
  id: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  created: number;
  status: string;
  refunded: boolean;
  description: string | null;
}

export interface ComponentAccount {
  id: string;
  businessName: string | null;
  email: string | null;
  detailsSubmitted: boolean;
  chargesEnabled: boolean;
  payoutsEnabled: boolean;
  currentlyDue: string[];
}

export function requireComponent(session: StoredAccountSession, name: SupportedComponent, feature?: string): void {
  const component = session.components[name];
  const featureOn = feature === undefined || Reflect.get(component.features, feature) === true;
  if (!component.enabled || !featureOn) {
    throw forbidden(`This account session does not enable ${feature ? `${name}.features.${feature}` : name}.`);
  }
}

export function describeAccount(context: EmulatorContext, session: StoredAccountSession): ComponentAccount {
  const account = findConnectedAccount(context, session.account);
  return {
    id: account.id,
    businessName: account.business_profile?.name ?? null,
    email: account.email,
    detailsSubmitted: account.details_submitted,
    chargesEnabled: account.charges_enabled,
    payoutsEnabled: account.payouts_enabled,
    currentlyDue: account.requirements?.currently_due ?? [],
  };
}

export function onboard(
  context: EmulatorContext,
  session: StoredAccountSession,
  details: Omit<OnboardingDetails, 'tosAcceptedAt'>,
): ComponentAccount {
  requireComponent(session, 'account_onboarding');
  submitOnboarding(context, session.account, details);
  return describeAccount(context, session);
}

export function listPayments(context: EmulatorContext, session: StoredAccountSession): ComponentPayment[] {
  requireComponent(session, 'payments');
  return destinationCharges(context, session.account)
    .reverse()
    .map((charge) => ({
      id: charge.id,
      amount: charge.amount,
      amountRefunded: charge.amount_refunded,
      currency: charge.currency,
      created: charge.created,
      status: charge.status,
      refunded: charge.refunded,
      description: charge.description,
    }));
}

/**
 * A refund from the payments component: the connected account gives the money back, so the
 * transfer is reversed (the platform keeps its fee, Stripe's default).
 */
export function refundPayment(
  context: EmulatorContext,
  session: StoredAccountSession,
  chargeId: string,
  amount: number | undefined,
): Stripe.Refund {
  requireComponent(session, 'payments', 'refund_management');
  const charge = destinationCharges(context, session.account).find((candidate) => candidate.id === chargeId);
  // Another account's charge is answered as missing: a session reveals nothing beyond its account.
  if (!charge) throw resourceMissing('charge', chargeId, 'charge');
  return createRefund(
    context,
    { chargeId: charge.id, amount, metadata: {}, reverseTransfer: true, refundApplicationFee: false },
    { id: null, idempotency_key: null },
  );
}

export interface ComponentPayouts {
  /** What transfers brought in, less reversals and the platform's fees, per currency (the emulator pays nothing out). */
  balances: { currency: string; amount: number }[];
  payouts: never[];
  payoutsEnabled: boolean;
  asOf: number;
}

export function describePayouts(context: EmulatorContext, session: StoredAccountSession): ComponentPayouts {
  requireComponent(session, 'payouts');
  const balances = new Map<string, number>();
  const add = (currency: string, amount: number) => balances.set(currency, (balances.get(currency) ?? 0) + amount);
  for (const transfer of context.store.transfers.values()) {
    if (transfer.destination === session.account) add(transfer.currency, transfer.amount - transfer.amount_reversed);
  }
  // A destination charge transfers the whole amount, then takes the platform's fee back from
  // the account (https://docs.stripe.com/connect/destination-charges#application-fee).
  for (const fee of context.store.applicationFees.values()) {
    const account = typeof fee.account === 'string' ? fee.account : fee.account.id;
    if (account === session.account) add(fee.currency, -(fee.amount - fee.amount_refunded));
  }
  return {
    balances: [...balances].map(([currency, amount]) => ({ currency, amount })),
    payouts: [],
    payoutsEnabled: findConnectedAccount(context, session.account).payouts_enabled,
    asOf: nowSeconds(context),
  };
}

function destinationCharges(context: EmulatorContext, account: string): Stripe.Charge[] {
  return [...context.store.charges.values()].filter((charge) => {
    const destination = charge.transfer_data?.destination;
    return (typeof destination === 'string' ? destination : destination?.id) === account;
  });
}
