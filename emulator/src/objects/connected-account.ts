import type Stripe from 'stripe';

/** What onboarding collects; until it is submitted the account can take no charges. */
export interface OnboardingDetails {
  businessName: string;
  businessUrl: string | null;
  email: string;
  productDescription: string;
  /** Last four digits of the test bank account payouts go to (never the whole number). */
  bankLast4: string;
  /** When the terms of service were accepted (the form's checkbox), in seconds. */
  tosAcceptedAt: number;
}

export interface ConnectedAccountInput {
  id: string;
  created: number;
  country: string;
  defaultCurrency: string;
  email: string | null;
  businessName: string | null;
  controller: ControllerInput;
  /** The capabilities requested at creation (`card_payments`, `transfers`). */
  capabilities: readonly ('card_payments' | 'transfers')[];
  metadata: Record<string, string>;
  /** Null until the onboarding form has been submitted. */
  onboarding: OnboardingDetails | null;
}

export interface ControllerInput {
  feesPayer: Stripe.Account.Controller.Fees.Payer;
  lossesPayments: Stripe.Account.Controller.Losses.Payments;
  requirementCollection: Stripe.Account.Controller.RequirementCollection;
  dashboard: Stripe.Account.Controller.StripeDashboard.Type;
}

/**
 * What an account that has submitted nothing still owes, as Stripe lists it for an individual
 * in the US (https://docs.stripe.com/connect/required-verification-information).
 */
export const ONBOARDING_REQUIREMENTS = [
  'business_profile.mcc',
  'business_profile.url',
  'business_type',
  'external_account',
  'tos_acceptance.date',
  'tos_acceptance.ip',
] as const;

/**
 * A connected account created with controller properties, as `POST /v1/accounts` returns it:
 * https://docs.stripe.com/api/accounts/object and https://docs.stripe.com/connect/migrate-to-controller-properties.
 * The account type follows the dashboard the controller gives it (`none` for no Stripe dashboard).
 */
export function buildConnectedAccount(input: ConnectedAccountInput): Stripe.Account {
  const onboarded = input.onboarding !== null;
  const status = onboarded ? 'active' : 'inactive';
  const due = onboarded ? [] : [...ONBOARDING_REQUIREMENTS];
  const requirements: Stripe.Account.Requirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: onboarded ? null : 'requirements.past_due',
    errors: [],
    eventually_due: due,
    past_due: due,
    pending_verification: [],
  };
  return {
    id: input.id,
    object: 'account',
    business_profile: {
      mcc: onboarded ? '5734' : null,
      minority_owned_business_designation: null,
      name: input.onboarding?.businessName ?? input.businessName,
      product_description: input.onboarding?.productDescription ?? null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: input.onboarding?.businessUrl ?? null,
    },
    business_type: onboarded ? 'individual' : null,
    capabilities: Object.fromEntries(input.capabilities.map((name) => [name, status])),
    charges_enabled: onboarded && input.capabilities.includes('card_payments'),
    controller: {
      fees: { payer: input.controller.feesPayer },
      is_controller: true,
      losses: { payments: input.controller.lossesPayments },
      requirement_collection: input.controller.requirementCollection,
      stripe_dashboard: { type: input.controller.dashboard },
      type: 'application',
    },
    country: input.country,
    created: input.created,
    default_currency: input.defaultCurrency,
    details_submitted: onboarded,
    email: input.onboarding?.email ?? input.email,
    future_requirements: { ...requirements, currently_due: [], eventually_due: [], past_due: [], disabled_reason: null },
    metadata: input.metadata,
    payouts_enabled: onboarded && input.capabilities.includes('transfers'),
    requirements,
    tos_acceptance: { date: input.onboarding?.tosAcceptedAt ?? null, ip: onboarded ? '127.0.0.1' : null, user_agent: null },
    type: ACCOUNT_TYPES[input.controller.dashboard] ?? 'none',
  };
}

const ACCOUNT_TYPES: Record<string, Stripe.Account.Type> = { full: 'standard', express: 'express', none: 'none' };
