import type Stripe from 'stripe';

/** The components the Connect.js stand-in renders; others are refused at creation. */
export const SUPPORTED_COMPONENTS = ['account_onboarding', 'account_management', 'notification_banner', 'payments', 'payouts'] as const;
export type SupportedComponent = (typeof SUPPORTED_COMPONENTS)[number];

/** What a component may do, as the request sets it (`components[payments][features][refund_management]`). */
export type ComponentSettings = {
  [K in SupportedComponent]?: { enabled: boolean; features: Partial<Stripe.AccountSession.Components[K]['features']> };
};

export interface AccountSessionInput {
  account: string;
  clientSecret: string;
  expiresAt: number;
  components: ComponentSettings;
}

// Every component in the response, disabled, with the defaults Stripe documents for its
// features (https://docs.stripe.com/api/account_sessions/object); the request turns some on.
const OFF = { enabled: false } as const;
const ACCOUNT_FEATURES = { disable_stripe_user_authentication: false, external_account_collection: true };
const PAYMENT_FEATURES = {
  capture_payments: true,
  destination_on_behalf_of_charge_management: false,
  dispute_management: true,
  refund_management: true,
  smart_disputes_management: false,
};
const PAYOUT_FEATURES = { ...ACCOUNT_FEATURES, edit_payout_schedule: false, instant_payouts: false, standard_payouts: false };
const DEFAULT_COMPONENTS: Stripe.AccountSession.Components = {
  account_management: { ...OFF, features: ACCOUNT_FEATURES },
  account_onboarding: { ...OFF, features: ACCOUNT_FEATURES },
  balance_report: { ...OFF, features: {} },
  balances: { ...OFF, features: PAYOUT_FEATURES },
  disputes_list: { ...OFF, features: PAYMENT_FEATURES },
  documents: { ...OFF, features: {} },
  financial_account: {
    ...OFF,
    features: { ...ACCOUNT_FEATURES, send_money: true, transfer_balance: true },
  },
  financial_account_transactions: { ...OFF, features: { card_spend_dispute_management: false } },
  instant_payouts_promotion: { ...OFF, features: { ...ACCOUNT_FEATURES, instant_payouts: true } },
  issuing_card: {
    ...OFF,
    features: {
      card_management: false,
      card_spend_dispute_management: false,
      cardholder_management: false,
      spend_control_management: false,
    },
  },
  issuing_cards_list: {
    ...OFF,
    features: {
      card_management: false,
      card_spend_dispute_management: false,
      cardholder_management: false,
      disable_stripe_user_authentication: false,
      spend_control_management: false,
    },
  },
  notification_banner: { ...OFF, features: ACCOUNT_FEATURES },
  payment_details: { ...OFF, features: PAYMENT_FEATURES },
  payment_disputes: {
    ...OFF,
    features: {
      destination_on_behalf_of_charge_management: false,
      dispute_management: true,
      refund_management: true,
      smart_disputes_management: false,
    },
  },
  payment_method_settings: { ...OFF, features: { disable_stripe_user_authentication: false } },
  payments: { ...OFF, features: PAYMENT_FEATURES },
  payout_details: { ...OFF, features: {} },
  payout_reconciliation_report: { ...OFF, features: {} },
  payouts: { ...OFF, features: PAYOUT_FEATURES },
  payouts_list: { ...OFF, features: {} },
  reporting_chart: { ...OFF, features: {} },
  tax_registrations: { ...OFF, features: {} },
  tax_settings: { ...OFF, features: {} },
  terminal_hardware_orders: { ...OFF, features: {} },
  terminal_hardware_shop: { ...OFF, features: {} },
};

/** https://docs.stripe.com/api/account_sessions/object: the client secret is shown once, to the platform's server. */
export function buildAccountSession(input: AccountSessionInput): Stripe.AccountSession {
  const requested = input.components;
  const components: Stripe.AccountSession.Components = {
    ...DEFAULT_COMPONENTS,
    account_onboarding: applyRequest(DEFAULT_COMPONENTS.account_onboarding, requested.account_onboarding),
    account_management: applyRequest(DEFAULT_COMPONENTS.account_management, requested.account_management),
    notification_banner: applyRequest(DEFAULT_COMPONENTS.notification_banner, requested.notification_banner),
    payments: applyRequest(DEFAULT_COMPONENTS.payments, requested.payments),
    payouts: applyRequest(DEFAULT_COMPONENTS.payouts, requested.payouts),
  };
  return {
    object: 'account_session',
    account: input.account,
    client_secret: input.clientSecret,
    components,
    expires_at: input.expiresAt,
    livemode: false,
  };
}

function applyRequest<F extends object>(
  defaults: { enabled: boolean; features: F },
  requested: { enabled: boolean; features: Partial<F> } | undefined,
): { enabled: boolean; features: F } {
  return requested ? { enabled: requested.enabled, features: { ...defaults.features, ...requested.features } } : defaults;
}
