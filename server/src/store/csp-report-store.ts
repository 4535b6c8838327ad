// CSP violation reports, kept for the payment-page monitor (PCI DSS 11.6.1).
//
// One row per distinct (page, directive, blocked resource), with a count and first/last
// seen times, so a flood of identical reports is one row. The table is bounded: past
// `maxRows` the least recently seen rows go. URLs are cut to origin and path, and card
// numbers in any field are masked (see storedValues).
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { openReadOnlyDatabase } from './database';
import type { AppDatabase, DatabaseLocation, Schema } from './database';
import { maskPans } from './pan-guard';
import type { CspReportsTable } from './schema';

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

type Row = Selectable<CspReportsTable>;

export const DEFAULT_MAX_CSP_REPORTS = 500;

/** origin + path for URLs; keywords such as `inline`, `eval` or `self` pass as they are. */
export function reduceReportUrl(value: string | undefined): string {
  if (!value) return '';
  if (!URL.canParse(value)) return value.slice(0, 64);
  const url = new URL(value);
  return `${url.origin}${url.pathname}`.slice(0, 512);
}

/**
 * The columns stored for a report. Reports are free text from anyone, so a card number in
 * one (an exfiltration attempt, say) is masked, not refused: the monitor still sees the
 * report. Masked before the cut, so no cut leaves a number's first digits, and again after,
 * since URL parsing drops tabs and so can join digit groups; and before the fingerprint is
 * taken, so no hash of a card number is stored either.
 */
function storedValues(report: CspViolationReport): Pick<Row, 'document_url' | 'directive' | 'blocked_url'> {
  const masked = (value: string | undefined) => (value === undefined ? undefined : maskPans(value));
  return {
    document_url: maskPans(reduceReportUrl(masked(report.documentUrl))),
    directive: maskPans((masked(report.directive) ?? '').slice(0, 64)),
    blocked_url: maskPans(reduceReportUrl(masked(report.blockedUrl))),
  };
}

export type CspReportStore = ReturnType<typeof createCspReportStore>;

export function createCspReportStore(database: AppDatabase, options: { maxRows?: number; now?: () => number } = {}) {
  const { db } = database;
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSP_REPORTS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  return {
    async record(report: CspViolationReport): Promise<void> {
      const values = storedValues(report);
      // Hashed under the field names rows were fingerprinted with before, so they still deduplicate.
      const fingerprint = createHash('sha256')
        .update(JSON.stringify({ documentUrl: values.document_url, directive: values.directive, blockedUrl: values.blocked_url }))
        .digest('hex');
      const seen = now();
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto('csp_reports')
          .values({ ...values, fingerprint, count: 1, first_seen: seen, last_seen: seen })
          .onConflict((conflict) =>
            conflict.column('fingerprint').doUpdateSet((eb) => ({ count: eb('csp_reports.count', '+', 1), last_seen: eb.ref('excluded.last_seen') })),
          )
          .execute();
        // Keep the `maxRows` most recently seen rows (a plain LIMIT: both engines take it).
        const newest = trx.selectFrom('csp_reports').select('fingerprint').orderBy('last_seen', 'desc').orderBy('first_seen', 'desc').limit(maxRows);
        await trx.deleteFrom('csp_reports').where('fingerprint', 'not in', newest).execute();
      });
    },

    listSince: (sinceSeconds: number) => selectReportsSince(db, sinceSeconds),
  };
}

/** For the monitor: the reports in the app's database (either engine), opened read-only. */
export async function readCspReportsSince(location: DatabaseLocation, sinceSeconds: number): Promise<StoredCspReport[]> {
  const database = openReadOnlyDatabase(location);
  try {
    return await selectReportsSince(database.db, sinceSeconds);
  } finally {
    await database.close();
  }
}

async function selectReportsSince(db: Kysely<Schema>, sinceSeconds: number): Promise<StoredCspReport[]> {
  const rows = await db.selectFrom('csp_reports').selectAll().where('last_seen', '>=', sinceSeconds).orderBy('last_seen', 'desc').execute();
  return rows.map(toStored);
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
