// CSP violation reports, kept for the payment-page monitor (PCI DSS 11.6.1).
//
// One row per distinct (page, directive, blocked resource), with a count and first/last
// seen times, so a flood of identical reports is one row. The table is bounded: past
// `maxRows` the least recently seen rows go. URLs are cut to origin and path, and every
// write passes the PAN guard like any other.
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from './database';
import { assertNoPan } from './pan-guard';

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

interface Row {
  document_url: string;
  directive: string;
  blocked_url: string;
  count: number;
  first_seen: number;
  last_seen: number;
}

export const DEFAULT_MAX_CSP_REPORTS = 500;

/** origin + path for URLs; keywords such as `inline`, `eval` or `self` pass as they are. */
export function reduceReportUrl(value: string | undefined): string {
  if (!value) return '';
  if (!URL.canParse(value)) return value.slice(0, 64);
  const url = new URL(value);
  return `${url.origin}${url.pathname}`.slice(0, 512);
}

export type CspReportStore = ReturnType<typeof createCspReportStore>;

export function createCspReportStore(db: Database, options: { maxRows?: number; now?: () => number } = {}) {
  const maxRows = options.maxRows ?? DEFAULT_MAX_CSP_REPORTS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const upsert = db.prepare<[Record<string, unknown>]>(
    `INSERT INTO csp_reports (fingerprint, document_url, directive, blocked_url, count, first_seen, last_seen)
     VALUES (@fingerprint, @documentUrl, @directive, @blockedUrl, 1, @now, @now)
     ON CONFLICT (fingerprint) DO UPDATE SET count = count + 1, last_seen = excluded.last_seen`,
  );
  const trim = db.prepare<[number]>(
    'DELETE FROM csp_reports WHERE fingerprint IN (SELECT fingerprint FROM csp_reports ORDER BY last_seen DESC, first_seen DESC LIMIT -1 OFFSET ?)',
  );
  const selectSince = db.prepare<[number], Row>('SELECT * FROM csp_reports WHERE last_seen >= ? ORDER BY last_seen DESC');

  const record = db.transaction((report: CspViolationReport) => {
    const values = {
      documentUrl: reduceReportUrl(report.documentUrl),
      directive: (report.directive ?? '').slice(0, 64),
      blockedUrl: reduceReportUrl(report.blockedUrl),
    };
    assertNoPan(values);
    const fingerprint = createHash('sha256').update(JSON.stringify(values)).digest('hex');
    upsert.run({ ...values, fingerprint, now: now() });
    trim.run(maxRows);
  });

  return {
    record: (report: CspViolationReport): void => record(report),
    listSince: (sinceSeconds: number): StoredCspReport[] => selectSince.all(sinceSeconds).map(toStored),
  };
}

/** For the monitor: reads the reports of a database file without migrating or writing it. */
export function readCspReportsSince(file: string, sinceSeconds: number): StoredCspReport[] {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[number], Row>('SELECT * FROM csp_reports WHERE last_seen >= ? ORDER BY last_seen DESC').all(sinceSeconds).map(toStored);
  } finally {
    db.close();
  }
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
