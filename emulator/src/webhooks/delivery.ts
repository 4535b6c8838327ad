// Webhook delivery: every event goes to every enabled endpoint subscribed to its type
// (state/webhook-endpoints.ts) by HTTPS POST, signed, and is retried
// with backoff on a non-2xx answer, a timeout or a connection error. Delivery runs on timers,
// never inside an API request, so a slow endpoint never slows the API (as with Stripe:
// https://docs.stripe.com/webhooks#retries).
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { EmulatorEvent } from '../objects/event';
import type { EmulatorStore, WebhookAttempt } from '../store';
import { subscribedEndpoints } from '../state/webhook-endpoints';
import { signWebhookPayload } from './signature';

/** Connections the emulator keeps open to one endpoint (host and port). */
export const WEBHOOK_CONNECTIONS_PER_ENDPOINT = 8;

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

export interface WebhookDispatcherOptions {
  store: EmulatorStore;
  logger: Logger;
  /** PEM of the development CA, trusted in addition to the public roots. */
  ca: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
  now: () => number;
}

export interface WebhookDispatcher {
  dispatch(event: EmulatorEvent): void;
  close(): void;
}

export function createWebhookDispatcher(options: WebhookDispatcherOptions): WebhookDispatcher {
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<http.ClientRequest>();
  // Stripe's webhook sender speaks TLS 1.2, not 1.3 (STRIPE-NOTES): sending the same way
  // proves, in every end-to-end run, that an endpoint still accepts TLS 1.2.
  // One keep-alive agent over one TLS context: a context per delivery (with 145 public roots
  // plus the development CA) cost more CPU than everything else the emulator does. Built at the
  // first delivery, not at start (it takes a tenth of a second; `npm start` starts the emulator).
  // At most WEBHOOK_CONNECTIONS_PER_ENDPOINT connections per endpoint, further deliveries wait
  // for one: without a cap, a burst of events opened a connection (a TLS handshake on both
  // sides) for each delivery in flight, and most of them closed unused.
  let agent: https.Agent | null = null;
  const httpsAgent = () =>
    (agent ??= new https.Agent({
      keepAlive: true,
      maxSockets: WEBHOOK_CONNECTIONS_PER_ENDPOINT,
      secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, options.ca], maxVersion: 'TLSv1.2' }),
    }));
  let closed = false;

  function schedule(delayMs: number, run: () => void): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, delayMs);
    timers.add(timer);
  }

  function settle(eventId: string): void {
    const pending = options.store.pendingWebhooks.get(eventId) ?? 0;
    options.store.pendingWebhooks.set(eventId, Math.max(0, pending - 1));
  }

  function attempt(event: EmulatorEvent, payload: string, endpoint: WebhookEndpoint, attemptNumber: number): void {
    const startedAt = options.now();
    const header = signWebhookPayload(payload, endpoint.secret, Math.floor(startedAt / 1000));
    send(endpoint.url, payload, header, (status, error) => {
      if (closed) return;
      const delivered = status !== null && status >= 200 && status < 300;
      const delay = options.retryDelaysMs[attemptNumber - 1];
      const retry = !delivered && delay !== undefined && !closed;
      const record: WebhookAttempt = {
        eventId: event.id,
        eventType: event.type,
        endpointUrl: endpoint.url,
        attempt: attemptNumber,
        at: startedAt,
        durationMs: options.now() - startedAt,
        status,
        error,
        nextAttemptAt: retry ? options.now() + delay : null,
      };
      options.store.webhookAttempts.push(record);
      options.logger.info(
        { eventId: event.id, type: event.type, endpoint: endpoint.url, attempt: attemptNumber, status, error },
        delivered ? 'webhook delivered' : 'webhook delivery failed',
      );
      if (retry) schedule(delay, () => attempt(event, payload, endpoint, attemptNumber + 1));
      else settle(event.id);
    });
  }

  function send(url: string, payload: string, signature: string, done: (status: number | null, error: string | null) => void): void {
    const target = new URL(url);
    const request = (target.protocol === 'https:' ? https : http).request(target, {
      method: 'POST',
      agent: target.protocol === 'https:' ? httpsAgent() : undefined,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        'stripe-signature': signature,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      timeout: options.timeoutMs,
    });
    let finished = false;
    const finish = (status: number | null, error: string | null) => {
      if (finished) return;
      finished = true;
      inFlight.delete(request);
      done(status, error);
    };
    inFlight.add(request);
    request.on('response', (response) => {
      response.resume(); // the body is not used; drain it so the socket closes
      response.on('end', () => finish(response.statusCode ?? null, null));
      response.on('error', (error) => finish(response.statusCode ?? null, error.message));
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
    request.on('error', (error) => finish(null, error.message));
    request.end(payload);
  }

  return {
    dispatch(event) {
      const endpoints: WebhookEndpoint[] = subscribedEndpoints(options, event).map(({ endpoint, secret }) => ({
        url: endpoint.url,
        secret,
      }));
      // Serialised once, so every attempt and every endpoint gets the same bytes.
      const payload = JSON.stringify({ ...event, pending_webhooks: endpoints.length }, null, 2);
      options.store.pendingWebhooks.set(event.id, endpoints.length);
      for (const endpoint of endpoints) schedule(0, () => attempt(event, payload, endpoint, 1));
    },
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const request of inFlight) request.destroy();
      inFlight.clear();
      agent?.destroy();
    },
  };
}
