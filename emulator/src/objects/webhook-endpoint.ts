import type Stripe from 'stripe';

export interface WebhookEndpointInput {
  id: string;
  created: number;
  url: string;
  enabledEvents: string[];
  /** Null: events are rendered in the account's default version. */
  apiVersion: string | null;
  description: string | null;
  metadata: Record<string, string>;
}

/** A webhook endpoint without its secret (Stripe returns `secret` only at creation). https://docs.stripe.com/api/webhook_endpoints/object */
export function buildWebhookEndpoint(input: WebhookEndpointInput): Stripe.WebhookEndpoint {
  return {
    id: input.id,
    object: 'webhook_endpoint',
    api_version: input.apiVersion,
    application: null,
    created: input.created,
    description: input.description,
    enabled_events: [...input.enabledEvents],
    livemode: false,
    metadata: input.metadata,
    status: 'enabled',
    url: input.url,
  };
}
