// Rate-limit counters in the shared database (RATE_LIMIT_STORE=database): an
// express-rate-limit Store, so several app instances behind a load balancer count one
// client's requests together instead of each allowing the full limit.
// https://express-rate-limit.mintlify.app/guides/creating-a-store
//
// One atomic upsert per request: a counter whose window has passed restarts at 1, otherwise
// it grows by 1, and the answer comes back in the same statement (RETURNING), so concurrent
// requests on different instances never read a stale count.
import type { Options, Store } from 'express-rate-limit';
import { sql } from 'kysely';
import type { AppDatabase } from './database';

export function createDatabaseRateLimitStore({ db }: AppDatabase, name: string): Store {
  const prefix = `${name}:`;
  let windowMs = 60_000;
  let sweeper: NodeJS.Timeout | undefined;

  // Expired counters are dead weight (and IP addresses we no longer need): sweep them once a window.
  const sweep = () =>
    db
      .deleteFrom('rate_limit_hits')
      .where('reset_at_ms', '<', Date.now())
      .execute()
      .catch(() => undefined);

  return {
    prefix,
    localKeys: false,

    init(options: Options) {
      windowMs = options.windowMs;
      sweeper = setInterval(() => void sweep(), windowMs);
      sweeper.unref();
    },

    async get(key: string) {
      const row = await db
        .selectFrom('rate_limit_hits')
        .select(['hits', 'reset_at_ms'])
        .where('key', '=', prefix + key)
        .executeTakeFirst();
      if (!row || row.reset_at_ms <= Date.now()) return undefined;
      return { totalHits: row.hits, resetTime: new Date(row.reset_at_ms) };
    },

    async increment(key: string) {
      const now = Date.now();
      const row = await db
        .insertInto('rate_limit_hits')
        .values({ key: prefix + key, hits: 1, reset_at_ms: now + windowMs })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            hits: sql<number>`CASE WHEN rate_limit_hits.reset_at_ms <= ${now} THEN 1 ELSE rate_limit_hits.hits + 1 END`,
            reset_at_ms: sql<number>`CASE WHEN rate_limit_hits.reset_at_ms <= ${now} THEN excluded.reset_at_ms ELSE rate_limit_hits.reset_at_ms END`,
          }),
        )
        .returning(['hits', 'reset_at_ms'])
        .executeTakeFirstOrThrow();
      return { totalHits: row.hits, resetTime: new Date(row.reset_at_ms) };
    },

    async decrement(key: string) {
      await db
        .updateTable('rate_limit_hits')
        .set({ hits: sql<number>`CASE WHEN hits > 0 THEN hits - 1 ELSE 0 END` })
        .where('key', '=', prefix + key)
        .execute();
    },

    async resetKey(key: string) {
      await db
        .deleteFrom('rate_limit_hits')
        .where('key', '=', prefix + key)
        .execute();
    },

    async resetAll() {
      await db.deleteFrom('rate_limit_hits').where('key', 'like', `${prefix}%`).execute();
    },

    shutdown() {
      clearInterval(sweeper);
    },
  };
}
