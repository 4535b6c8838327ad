// Where reconciliation starts listing Stripe events: the SQL behind "since the last one we
// processed". Only reads; the events themselves go through the order store.
import type { AppDatabase } from './database';

export type ReconcileCursor = ReturnType<typeof createReconcileCursor>;

export function createReconcileCursor({ db }: AppDatabase) {
  return {
    /**
     * Unix seconds of the newest processed event or, before any event was processed, of the
     * oldest order (no event older than our first order can concern us); null when there is
     * nothing at all, so nothing to reconcile.
     */
    async findLastProcessedTime(): Promise<number | null> {
      const newest = await db
        .selectFrom('processed_events')
        .select((eb) => eb.fn.max('processed_at').as('at'))
        .executeTakeFirst();
      if (newest?.at != null) return Number(newest.at);
      const oldest = await db
        .selectFrom('orders')
        .select((eb) => eb.fn.min('created_at').as('at'))
        .executeTakeFirst();
      return oldest?.at != null ? Number(oldest.at) : null;
    },
  };
}
