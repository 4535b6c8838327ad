// Webhook endpoints: the ones configured at start (options) and the ones created through the
// API live in one list, so `GET /v1/webhook_endpoints` shows where events actually go, and
// delivery sends each event only to the enabled endpoints subscribed to its type.
// https://docs.stripe.com/api/webhook_endpoints
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { createId } from '../ids';
import { buildWebhookEndpoint } from '../objects/webhook-endpoint';
import type { StoredWebhookEndpoint } from '../store';
import { resourceMissing } from '../api/errors';

export interface NewWebhookEndpoint {
  url: string;
  enabledEvents: string[];
  /** Default: the version the emulator renders events in (the account default, here). */
  apiVersion?: string | null;
  /** Default: a new random `whsec_…`, returned once. */
  secret?: string;
  description?: string | null;
  metadata?: Record<string, string>;
  /** Default false: the platform's own events. https://docs.stripe.com/connect/webhooks */
  connect?: boolean;
}

/** Adds an endpoint; the answer is the only one that carries its secret, as with Stripe. */
export function createWebhookEndpoint(context: Pick<EmulatorContext, 'store' | 'now'>, input: NewWebhookEndpoint): Stripe.WebhookEndpoint {
  const endpoint = buildWebhookEndpoint({
    id: createId('we'),
    created: nowSeconds(context),
    url: input.url,
    enabledEvents: input.enabledEvents,
    apiVersion: input.apiVersion === undefined ? Stripe.API_VERSION : input.apiVersion,
    description: input.description ?? null,
    metadata: input.metadata ?? {},
  });
  const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  context.store.webhookEndpoints.set(endpoint.id, { endpoint, secret, connect: input.connect ?? false });
  return { ...endpoint, secret };
}

export interface WebhookEndpointChanges {
  url?: string;
  enabledEvents?: string[];
  disabled?: boolean;
}

export function updateWebhookEndpoint(
  context: Pick<EmulatorContext, 'store'>,
  id: string,
  changes: WebhookEndpointChanges,
): Stripe.WebhookEndpoint {
  const stored = findStored(context, id);
  const endpoint: Stripe.WebhookEndpoint = {
    ...stored.endpoint,
    ...(changes.url === undefined ? {} : { url: changes.url }),
    ...(changes.enabledEvents === undefined ? {} : { enabled_events: [...changes.enabledEvents] }),
    ...(changes.disabled === undefined ? {} : { status: changes.disabled ? 'disabled' : 'enabled' }),
  };
  context.store.webhookEndpoints.set(id, { ...stored, endpoint });
  return endpoint;
}

export function findWebhookEndpoint(context: Pick<EmulatorContext, 'store'>, id: string): Stripe.WebhookEndpoint {
  return findStored(context, id).endpoint;
}

function findStored(context: Pick<EmulatorContext, 'store'>, id: string): StoredWebhookEndpoint {
  const stored = context.store.webhookEndpoints.get(id);
  if (!stored) throw resourceMissing('webhook endpoint', id);
  return stored;
}

/**
 * The endpoints an event goes to: enabled, subscribed to its type (or to `*`), and of its kind:
 * a connected account's event (it carries `account`) to Connect endpoints, the platform's own
 * to the others (https://docs.stripe.com/connect/webhooks).
 */
export function subscribedEndpoints(
  context: Pick<EmulatorContext, 'store'>,
  event: { type: string; account?: string },
): StoredWebhookEndpoint[] {
  const fromConnectedAccount = event.account !== undefined;
  return [...context.store.webhookEndpoints.values()].filter(
    ({ endpoint, connect }) =>
      endpoint.status === 'enabled' &&
      connect === fromConnectedAccount &&
      (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(event.type)),
  );
}
