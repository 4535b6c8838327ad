// Reconciliation: ask Stripe for the events we may have missed and process them through the
// same idempotent path as webhooks (`handleStripeEvent`), so an outage longer than Stripe's
// webhook retries loses nothing (https://docs.stripe.com/webhooks/process-undelivered-events).
//
// The listing starts an overlap before the newest event we processed: an event still in
// Stripe's retry schedule when we went down can be older than one that got through, and
// Stripe retries for up to three days (https://docs.stripe.com/webhooks#retries). Events we
// already processed are skipped before any Stripe call, so the overlap costs only the listing.
import type Stripe from 'stripe';
import type { ReconcileCursor } from '../store/reconcile-cursor';
import type { EventDeps } from './webhook-events';
import { HANDLED_EVENT_TYPES, handleStripeEvent, matchedNoOrder } from './webhook-events';

export const DEFAULT_RECONCILE_OVERLAP_SECONDS = 3 * 24 * 60 * 60;

export interface ReconcileDeps extends EventDeps {
  cursor: ReconcileCursor;
}

export interface ReconcileOptions {
  overlapSeconds?: number;
  /** Stops between events (shutdown); what was processed stays processed. */
  signal?: AbortSignal;
}

export interface ReconcileSummary {
  /** `created[gte]` of the listing (Unix seconds); null when there was nothing to reconcile. */
  since: number | null;
  listed: number;
  processed: number;
  duplicate: number;
  ignored: number;
  failed: number;
}

async function listEventsSince(stripe: Stripe, since: number, signal: AbortSignal | undefined): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  // The SDK's auto-pagination follows `has_more` with `starting_after` for us.
  // https://docs.stripe.com/api/pagination/auto
  for await (const event of stripe.events.list({ created: { gte: since }, types: [...HANDLED_EVENT_TYPES], limit: 100 })) {
    if (signal?.aborted) break;
    events.push(event);
  }
  return events;
}

export async function reconcileMissedEvents(deps: ReconcileDeps, options: ReconcileOptions = {}): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = { since: null, listed: 0, processed: 0, duplicate: 0, ignored: 0, failed: 0 };
  const last = await deps.cursor.findLastProcessedTime();
  if (last === null) return summary;
  summary.since = Math.max(0, last - (options.overlapSeconds ?? DEFAULT_RECONCILE_OVERLAP_SECONDS));

  const events = await listEventsSince(deps.stripe, summary.since, options.signal);
  summary.listed = events.length;
  // Stripe lists newest first; replay oldest first, as the events happened.
  for (const event of events.reverse()) {
    if (options.signal?.aborted) break;
    try {
      const handled = await handleStripeEvent(deps, event);
      summary[handled.result] += 1;
      if (matchedNoOrder(handled)) deps.logger.warn({ eventId: event.id, type: event.type }, 'reconcile: event matches no order of ours');
    } catch (error) {
      // Not recorded, so the next run (or Stripe's own retry) tries it again. An event refused
      // outright (of the other mode than our keys) counts here too: the CLI exits 1 so someone looks.
      summary.failed += 1;
      deps.logger.error({ err: error, eventId: event.id, type: event.type }, 'reconcile: event could not be processed');
    }
  }
  return summary;
}
