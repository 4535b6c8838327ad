// Read-only questions `npm run doctor` asks Stripe about the account the keys belong to: is the
// key accepted, may it make the app's calls, which webhook endpoints exist, can the account take
// charges. Answers are our own small types; Stripe's errors become a kind the doctor explains.
import Stripe from 'stripe';
import { APP_STRIPE_PERMISSIONS } from './stripe-permissions';
import type { StripePermission } from './stripe-permissions';

/** Why Stripe did not answer: a key it refuses, a permission the key lacks, no connection, or anything else. */
export interface StripeCheckFailure {
  kind: 'invalid_key' | 'permission' | 'unreachable' | 'other';
  /** Stripe's message (it never contains the whole key). */
  message: string;
}

export type StripeCheckOutcome<T> = { ok: true; value: T } | { ok: false; failure: StripeCheckFailure };

export interface AccountStatus {
  id: string;
  /** https://docs.stripe.com/api/accounts/object#account_object-charges_enabled */
  chargesEnabled: boolean;
  /** https://docs.stripe.com/api/accounts/object#account_object-details_submitted */
  detailsSubmitted: boolean;
}

export interface WebhookEndpointSummary {
  id: string;
  url: string;
  enabled: boolean;
  enabledEvents: readonly string[];
  /** Null: events are rendered in the account's default API version. */
  apiVersion: string | null;
}

/** The doctor's own reads need these when the key is a restricted one. */
export const DOCTOR_STRIPE_PERMISSIONS = {
  account: 'rak_accounts_kyc_basic_read',
  webhookEndpoints: 'rak_webhook_read',
} as const;

function toFailure(error: unknown): StripeCheckFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Stripe.errors.StripeAuthenticationError) return { kind: 'invalid_key', message };
  if (error instanceof Stripe.errors.StripePermissionError) return { kind: 'permission', message };
  if (error instanceof Stripe.errors.StripeConnectionError) return { kind: 'unreachable', message };
  return { kind: 'other', message };
}

async function ask<T>(question: () => Promise<T>): Promise<StripeCheckOutcome<T>> {
  try {
    return { ok: true, value: await question() };
  } catch (error) {
    return { ok: false, failure: toFailure(error) };
  }
}

/** The keys' own account (`GET /v1/account`). */
export function retrieveAccountStatus(stripe: Stripe): Promise<StripeCheckOutcome<AccountStatus>> {
  return ask(async () => {
    const account = await stripe.accounts.retrieve(null);
    return { id: account.id, chargesEnabled: account.charges_enabled, detailsSubmitted: account.details_submitted };
  });
}

/** Every webhook endpoint of the account (Stripe allows 16; the SDK follows the pages). */
export function listWebhookEndpoints(stripe: Stripe): Promise<StripeCheckOutcome<WebhookEndpointSummary[]>> {
  return ask(async () => {
    const endpoints: WebhookEndpointSummary[] = [];
    for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
      endpoints.push({
        id: endpoint.id,
        url: endpoint.url,
        enabled: endpoint.status === 'enabled',
        enabledEvents: endpoint.enabled_events,
        apiVersion: endpoint.api_version,
      });
    }
    return endpoints;
  });
}

export interface PermissionProbe {
  permission: StripePermission;
  outcome: StripeCheckOutcome<unknown>;
}

/** Runs each of the app's permission probes (harmless reads), one after another. */
export async function probeAppPermissions(stripe: Stripe): Promise<PermissionProbe[]> {
  const probes: PermissionProbe[] = [];
  for (const permission of APP_STRIPE_PERMISSIONS) probes.push({ permission, outcome: await ask(() => permission.probe(stripe)) });
  return probes;
}
