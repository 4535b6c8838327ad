// Read-only views of the app's SQLite file, for asserting what was stored.
// Opened read-only while the app keeps writing: WAL lets readers see committed rows.
import Database from 'better-sqlite3';

/** The only card columns the orders table may have (see server/src/store/migrations.ts). */
export const ALLOWED_CARD_COLUMNS = ['card_brand', 'card_exp_month', 'card_exp_year', 'card_last4'] as const;

export interface OrderRow {
  id: string;
  status: string;
  amount: number;
  currency: string;
  checkout_session_id: string | null;
  card_brand: string | null;
  card_last4: string | null;
  card_exp_month: number | null;
  card_exp_year: number | null;
  [column: string]: unknown;
}

export interface ProcessedEventRow {
  event_id: string;
  type: string;
  processed_at: number;
}

function withDatabase<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export function readOrderBySession(file: string, checkoutSessionId: string): OrderRow | undefined {
  return withDatabase(file, (db) =>
    db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE checkout_session_id = ?').get(checkoutSessionId),
  );
}

export function readProcessedEvents(file: string): ProcessedEventRow[] {
  return withDatabase(file, (db) =>
    db.prepare<[], ProcessedEventRow>('SELECT event_id, type, processed_at FROM processed_events ORDER BY event_id').all(),
  );
}

/** Every column of the orders table whose name suggests card data, sorted. */
export function listCardLikeColumns(file: string): string[] {
  return withDatabase(file, (db) =>
    db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('orders')")
      .all()
      .map((column) => column.name)
      .filter((name) => /card|pan|cvc|cvv|number|exp|brand|last/i.test(name))
      .sort(),
  );
}
