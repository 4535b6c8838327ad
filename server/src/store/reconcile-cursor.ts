// Where reconciliation starts listing Stripe events: the SQL behind "since the last one we
// processed". Only reads; the events themselves go through the order store.
import type { Database } from 'better-sqlite3';

export type ReconcileCursor = ReturnType<typeof createReconcileCursor>;

export function createReconcileCursor(db: Database) {
  const selectNewestProcessed = db.prepare<[], { newest: number | null }>('SELECT max(processed_at) AS newest FROM processed_events');
  const selectOldestOrder = db.prepare<[], { oldest: number | null }>('SELECT min(created_at) AS oldest FROM orders');

  return {
    /**
     * Unix seconds of the newest processed event or, before any event was processed, of the
     * oldest order (no event older than our first order can concern us); null when there is
     * nothing at all, so nothing to reconcile.
     */
    findLastProcessedTime(): number | null {
      return selectNewestProcessed.get()?.newest ?? selectOldestOrder.get()?.oldest ?? null;
    },
  };
}
