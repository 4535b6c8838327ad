// The webhook endpoint for PUBLIC_URL/webhooks/stripe: exactly one, enabled, subscribed to
// exactly the event types the app handles (payments/webhook-events.ts), in the API version the
// app's Stripe client pins (payments/stripe-client.ts).
import type { Config } from '../../server/src/config';
import { isLoopbackHost, resolvePublicUrl } from '../../server/src/config';
import { DOCTOR_STRIPE_PERMISSIONS } from '../../server/src/payments/account-checks';
import type { StripeCheckOutcome, WebhookEndpointSummary } from '../../server/src/payments/account-checks';
import { STRIPE_API_VERSION } from '../../server/src/payments/stripe-client';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import { STRIPE_WEBHOOK_PATH } from '../../common/api-contract';
import { fail, pass, skip, type CheckLine } from './checklist';
import { unreachableFix } from './keys';

const GROUP = 'Webhook endpoint';
const WEBHOOKS_PAGE = 'Dashboard → Developers → Webhooks';

/** The URL Stripe must deliver to: PUBLIC_URL (or https://localhost:PORT) + the webhook path. */
export function webhookUrl(config: Config): string {
  return `${resolvePublicUrl(config, config.port)}${STRIPE_WEBHOOK_PATH}`;
}

function sameUrl(a: string, b: string): boolean {
  return URL.canParse(a) && URL.canParse(b) && new URL(a).href === new URL(b).href;
}

/** How to create the endpoint Stripe needs, with the Stripe CLI or in the Dashboard. */
function createInstructions(url: string): string {
  const events = HANDLED_EVENT_TYPES.map((type) => `-d "enabled_events[]=${type}"`).join(' ');
  return `stripe webhook_endpoints create -d url=${url} -d api_version=${STRIPE_API_VERSION} ${events} (or ${WEBHOOKS_PAGE} → Add endpoint: this URL, API version ${STRIPE_API_VERSION}, the events ${HANDLED_EVENT_TYPES.join(', ')})`;
}

/** Whether Stripe itself would deliver to this URL: a loopback host only when the API is a local stand-in. */
export function stripeCanReach(config: Config): boolean {
  return config.stripe.apiUrl !== null || !isLoopbackHost(new URL(webhookUrl(config)).hostname);
}

export function checkWebhookEndpoint(config: Config, endpoints: StripeCheckOutcome<WebhookEndpointSummary[]>): CheckLine[] {
  const url = webhookUrl(config);
  if (!stripeCanReach(config)) {
    const title = `${url} is on this machine: Stripe cannot deliver to it`;
    const forward = `stripe listen --forward-to ${url} (and its whsec_ secret in STRIPE_WEBHOOK_SECRET)`;
    return config.mode === 'live'
      ? [
          fail(
            GROUP,
            title,
            `Set PUBLIC_URL to the public https:// address of the shop, then create its endpoint: ${createInstructions('<PUBLIC_URL>' + STRIPE_WEBHOOK_PATH)}.`,
          ),
        ]
      : [skip(GROUP, title, `In test mode on this machine, forward events with ${forward}; set PUBLIC_URL to check a public endpoint.`)];
  }
  if (!endpoints.ok) {
    if (endpoints.failure.kind === 'permission') {
      return [
        fail(
          GROUP,
          `the key may not read webhook endpoints (${DOCTOR_STRIPE_PERMISSIONS.webhookEndpoints})`,
          `Give the restricted key Webhook Endpoints: Read (${DOCTOR_STRIPE_PERMISSIONS.webhookEndpoints}) so this check can run, or check ${WEBHOOKS_PAGE} by hand.`,
        ),
      ];
    }
    return [fail(GROUP, `could not list webhook endpoints: ${endpoints.failure.message}`, unreachableFix(config))];
  }

  const matching = endpoints.value.filter((endpoint) => sameUrl(endpoint.url, url));
  const [endpoint] = matching;
  if (!endpoint) {
    return [
      fail(
        GROUP,
        `no webhook endpoint for ${url}`,
        `Create it, then put its signing secret (whsec_…) in STRIPE_WEBHOOK_SECRET: ${createInstructions(url)}.`,
      ),
    ];
  }
  if (matching.length > 1) {
    return [
      fail(
        GROUP,
        `${matching.length} webhook endpoints for ${url} (${matching.map((e) => e.id).join(', ')}): each event is sent to each, signed with its own secret`,
        `Keep the one whose signing secret is in STRIPE_WEBHOOK_SECRET and delete the others in ${WEBHOOKS_PAGE}.`,
      ),
    ];
  }

  const lines: CheckLine[] = [pass(GROUP, `${endpoint.id} is the endpoint for ${url}`)];
  lines.push(
    endpoint.enabled
      ? pass(GROUP, `${endpoint.id} is enabled`)
      : fail(
          GROUP,
          `${endpoint.id} is disabled: Stripe sends it nothing`,
          `Enable it in ${WEBHOOKS_PAGE} → ${endpoint.id} (Stripe disables an endpoint whose deliveries keep failing: check the app's logs for why first).`,
        ),
  );

  const handled: readonly string[] = HANDLED_EVENT_TYPES;
  const missing = handled.filter((type) => !endpoint.enabledEvents.includes(type));
  const extra = endpoint.enabledEvents.filter((type) => !handled.includes(type));
  if (missing.length === 0 && extra.length === 0) {
    lines.push(pass(GROUP, `${endpoint.id} is subscribed to exactly the ${handled.length} event types the app handles`));
  } else {
    const problems = [
      ...(missing.length ? [`missing ${missing.join(', ')}`] : []),
      ...(extra.length ? [`not handled by the app: ${extra.map((type) => (type === '*' ? "'*' (every event)" : type)).join(', ')}`] : []),
    ];
    const changes = [...(missing.length ? [`add ${missing.join(', ')}`] : []), ...(extra.length ? [`remove ${extra.join(', ')}`] : [])];
    lines.push(
      fail(
        GROUP,
        `${endpoint.id}'s events differ from the ones the app handles: ${problems.join('; ')}`,
        `In ${WEBHOOKS_PAGE} → ${endpoint.id} → Update details, ${changes.join(' and ')} (or: stripe webhook_endpoints update ${endpoint.id} ${handled.map((type) => `-d "enabled_events[]=${type}"`).join(' ')}).`,
      ),
    );
  }

  lines.push(
    endpoint.apiVersion === STRIPE_API_VERSION
      ? pass(GROUP, `${endpoint.id} renders events in API version ${STRIPE_API_VERSION}, the one the app pins`)
      : fail(
          GROUP,
          `${endpoint.id} renders events in ${endpoint.apiVersion === null ? "the account's default API version" : `API version ${endpoint.apiVersion}`}; the app pins ${STRIPE_API_VERSION}`,
          `An endpoint's API version cannot be changed: create a new one (${createInstructions(url)}), switch STRIPE_WEBHOOK_SECRET to its secret as docs/deploy.md describes for a secret roll, then delete ${endpoint.id}.`,
        ),
  );
  return lines;
}
