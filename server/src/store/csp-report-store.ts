// CSP violation reports, kept for the payment-page monitor (PCI DSS 11.6.1).
//
// One row per distinct (page, directive, blocked origin), with a count and first/last seen
// times, so a flood of identical reports is one row. Page URLs are cut to origin and path,
// blocked URLs to their origin (or the keyword browsers send: `inline`, `eval`), and card
// numbers in any field are masked (see storedValues).
//
// The table is bounded, and a flood must not hide a violation there (a review saw one client
// flushed a genuine report out of a least-recently-seen table within a minute). So:
// - each client (the rate limiter's key) may add only `quota.perClient` new rows per window;
// - a full table never gives up a row to a client holding as many rows as its owner: it
//   evicts the newest row of the client holding the most, or refuses the report;
// - rows not seen for `retentionSeconds` expire, so the bound is not reached for good;
// - every refused or evicted report is counted in csp_report_drops, per reason and hour,
//   and `npm run monitor --csp-reports` raises those counts as a report flood.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { openReadOnlyDatabase } from './database';
import type { AppDatabase, DatabaseLocation, Schema } from './database';
import { maskPans } from './pan-guard';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';
import type { CspReportDropReason, CspReportsTable } from './schema';

export interface CspViolationReport {
  documentUrl: string | undefined;
  directive: string | undefined;
  blockedUrl: string | undefined;
}

export interface StoredCspReport {
  documentUrl: string;
  directive: string;
  blockedUrl: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

/** Reports kept out of the table for one reason within a window. */
export interface CspReportDrops {
  reason: CspReportDropReason;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

/** What became of one report: a new row, a repeat of a row, or kept out (counted as a drop). */
export type CspRecordOutcome = 'stored' | 'repeat' | 'over-quota' | 'table-full';

type Row = Selectable<CspReportsTable>;

export const DEFAULT_MAX_CSP_REPORTS = 500;
/** New distinct violations one client may add per window; repeats of a stored one always count. */
export const DEFAULT_CSP_REPORT_QUOTA = { perClient: 20, windowSeconds: 3600 };
/** Longer than the monitor's default --since (7d), so a weekly check never misses a report. */
export const DEFAULT_CSP_REPORT_RETENTION_SECONDS = 30 * 86_400;
const DROP_PERIOD_SECONDS = 3600;

export interface CspReportStoreOptions {
  maxRows?: number;
  quota?: { perClient: number; windowSeconds: number };
  retentionSeconds?: number;
  now?: () => number;
  /** Lab mode's switches (`pan-guard` off stores reports unmasked); absent everywhere else. */
  lab?: LabControls | null;
}

/** origin + path for URLs (the page); keywords such as `inline`, `eval` or `self` pass as they are. */
export function reduceReportUrl(value: string | undefined): string {
  if (!value) return '';
  if (!URL.canParse(value)) return value.slice(0, 64);
  const url = new URL(value);
  return `${url.origin}${url.pathname}`.slice(0, 512);
}

/**
 * What was blocked, as the deduplication key takes it: a URL's origin (a skimmer's many
 * script paths are one violation), the scheme of an origin-less URL (`data:`, `about:`), or
 * the keyword browsers send for what has no URL (`inline`, `eval`, `wasm-eval`).
 */
export function reduceBlockedUrl(value: string | undefined): string {
  if (!value) return '';
  if (!URL.canParse(value)) return value.slice(0, 64);
  const url = new URL(value);
  return (url.origin === 'null' ? url.protocol : url.origin).slice(0, 512);
}

/** The quota counts clients without keeping their addresses: a hash of the client key. */
function hashReporter(clientKey: string): string {
  return createHash('sha256').update(clientKey).digest('hex').slice(0, 32);
}

/**
 * The columns stored for a report. Reports are free text from anyone, so a card number in
 * one (an exfiltration attempt, say) is masked, not refused: the monitor still sees the
 * report. Masked before the cut, so no cut leaves a number's first digits, and again after,
 * since URL parsing drops tabs and so can join digit groups; and before the fingerprint is
 * taken, so no hash of a card number is stored either.
 */
function storedValues(report: CspViolationReport, mask: (text: string) => string): Pick<Row, 'document_url' | 'directive' | 'blocked_url'> {
  const masked = (value: string | undefined) => (value === undefined ? undefined : mask(value));
  return {
    document_url: mask(reduceReportUrl(masked(report.documentUrl))),
    directive: mask((masked(report.directive) ?? '').slice(0, 64)),
    blocked_url: mask(reduceBlockedUrl(masked(report.blockedUrl))),
  };
}

export type CspReportStore = ReturnType<typeof createCspReportStore>;

export function createCspReportStore(database: AppDatabase, options: CspReportStoreOptions = {}) {
  const { db, engine } = database;
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSP_REPORTS;
  const quota = options.quota ?? DEFAULT_CSP_REPORT_QUOTA;
  const retentionSeconds = options.retentionSeconds ?? DEFAULT_CSP_REPORT_RETENTION_SECONDS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  return {
    /** Records one report from `clientKey` (rateLimitClientKey of the request). */
    async record(report: CspViolationReport, clientKey: string): Promise<CspRecordOutcome> {
      const values = storedValues(report, controlOn(options.lab, 'pan-guard') ? maskPans : (text) => text);
      // Hashed under the field names rows were fingerprinted with before, so they still deduplicate.
      const fingerprint = createHash('sha256')
        .update(JSON.stringify({ documentUrl: values.document_url, directive: values.directive, blockedUrl: values.blocked_url }))
        .digest('hex');
      const reporter = hashReporter(clientKey);
      const seen = now();
      return db.transaction().execute(async (trx) => {
        // The count-then-insert below must see every other instance's writes: PostgreSQL takes
        // a lock that only other writers of this table wait for (the monitor's reads do not);
        // SQLite's transactions begin IMMEDIATE (database.ts) and so are serialised already.
        if (engine === 'postgres') await sql`LOCK TABLE csp_reports IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
        await trx
          .deleteFrom('csp_reports')
          .where('last_seen', '<', seen - retentionSeconds)
          .execute();
        await trx
          .deleteFrom('csp_report_drops')
          .where('last_seen', '<', seen - retentionSeconds)
          .execute();

        const repeat = await trx
          .updateTable('csp_reports')
          .set((eb) => ({ count: eb('count', '+', 1), last_seen: seen }))
          .where('fingerprint', '=', fingerprint)
          .executeTakeFirst();
        if (Number(repeat.numUpdatedRows) > 0) return 'repeat';

        if ((await countRows(trx, reporter, seen - quota.windowSeconds)) >= quota.perClient) return recordDrop(trx, 'over-quota', seen);
        if ((await countRows(trx)) >= maxRows) {
          const victim = await rowToEvictFor(trx, reporter);
          if (!victim) return recordDrop(trx, 'table-full', seen);
          await trx.deleteFrom('csp_reports').where('fingerprint', '=', victim).execute();
          await recordDrop(trx, 'evicted', seen);
        }
        await trx
          .insertInto('csp_reports')
          .values({ ...values, fingerprint, reporter, count: 1, first_seen: seen, last_seen: seen })
          .execute();
        return 'stored';
      });
    },

    listSince: (sinceSeconds: number) => selectReportsSince(db, sinceSeconds),
    listDropsSince: (sinceSeconds: number) => selectDropsSince(db, sinceSeconds),
  };
}

/** Rows in the table; with `reporter`, only that client's first seen after `sinceSeconds`. */
async function countRows(trx: Transaction<Schema>, reporter?: string, sinceSeconds?: number): Promise<number> {
  let query = trx.selectFrom('csp_reports').select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (reporter !== undefined) query = query.where('reporter', '=', reporter).where('first_seen', '>', sinceSeconds ?? 0);
  return Number((await query.executeTakeFirst())?.n ?? 0);
}

/**
 * The row a full table gives up for a new report from `reporter`: the newest row of the
 * client holding the most rows, but only while that client would still hold more than
 * `reporter` does after the insert. So a flood only ever evicts its own newest rows, never a
 * distinct violation of a client with fewer rows, and the earliest evidence stays.
 */
async function rowToEvictFor(trx: Transaction<Schema>, reporter: string): Promise<string | undefined> {
  const largest = await trx
    .selectFrom('csp_reports')
    .select((eb) => ['reporter', eb.fn.countAll<number | string>().as('n')])
    .groupBy('reporter')
    .orderBy('n', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!largest || largest.reporter === reporter) return undefined;
  const own = await countRows(trx, reporter);
  if (Number(largest.n) <= own + 1) return undefined;
  const newest = await trx
    .selectFrom('csp_reports')
    .select('fingerprint')
    .where('reporter', '=', largest.reporter)
    .orderBy('first_seen', 'desc')
    .orderBy('fingerprint')
    .limit(1)
    .executeTakeFirst();
  return newest?.fingerprint;
}

/** Counts a report kept out of the table, in its reason's hour. */
async function recordDrop<R extends CspReportDropReason>(trx: Transaction<Schema>, reason: R, seen: number): Promise<R> {
  await trx
    .insertInto('csp_report_drops')
    .values({ reason, period_start: seen - (seen % DROP_PERIOD_SECONDS), count: 1, first_seen: seen, last_seen: seen })
    .onConflict((conflict) =>
      conflict
        .columns(['reason', 'period_start'])
        .doUpdateSet((eb) => ({ count: eb('csp_report_drops.count', '+', 1), last_seen: eb.ref('excluded.last_seen') })),
    )
    .execute();
  return reason;
}

/** For the monitor: the reports in the app's database (either engine), opened read-only. */
export function readCspReportsSince(location: DatabaseLocation, sinceSeconds: number): Promise<StoredCspReport[]> {
  return readOnly(location, (db) => selectReportsSince(db, sinceSeconds));
}

/** For the monitor: the reports a flood kept out of the table, per reason, read-only. */
export function readCspReportDropsSince(location: DatabaseLocation, sinceSeconds: number): Promise<CspReportDrops[]> {
  return readOnly(location, (db) => selectDropsSince(db, sinceSeconds));
}

async function readOnly<T>(location: DatabaseLocation, read: (db: Kysely<Schema>) => Promise<T>): Promise<T> {
  const database = openReadOnlyDatabase(location);
  try {
    return await read(database.db);
  } finally {
    await database.close();
  }
}

async function selectReportsSince(db: Kysely<Schema>, sinceSeconds: number): Promise<StoredCspReport[]> {
  const rows = await db.selectFrom('csp_reports').selectAll().where('last_seen', '>=', sinceSeconds).orderBy('last_seen', 'desc').execute();
  return rows.map(toStored);
}

async function selectDropsSince(db: Kysely<Schema>, sinceSeconds: number): Promise<CspReportDrops[]> {
  const rows = await db
    .selectFrom('csp_report_drops')
    .select((eb) => [
      'reason',
      eb.fn.sum<number | string>('count').as('count'),
      eb.fn.min('first_seen').as('first_seen'),
      eb.fn.max('last_seen').as('last_seen'),
    ])
    .where('last_seen', '>=', sinceSeconds)
    .groupBy('reason')
    .orderBy('reason')
    .execute();
  // PostgreSQL sums bigints as numeric, which the driver hands over as text.
  return rows.map((row) => ({
    reason: row.reason,
    count: Number(row.count),
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
  }));
}

function toStored(row: Row): StoredCspReport {
  return {
    documentUrl: row.document_url,
    directive: row.directive,
    blockedUrl: row.blocked_url,
    count: row.count,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  };
}
