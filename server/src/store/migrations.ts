// Versioned schema migrations, applied in order inside one transaction each.
// `PRAGMA user_version` records the last applied version. Never edit a shipped
// migration: add a new one.
import type { Database } from 'better-sqlite3';

interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'orders and processed Stripe events',
    // The only card columns are the display fields Stripe returns (brand, last4, expiry);
    // CHECK constraints make the database itself refuse anything longer, so even a bug
    // upstream cannot put a card number in these columns.
    sql: `
      CREATE TABLE orders (
        id TEXT PRIMARY KEY CHECK (id GLOB 'ord_[a-z0-9]*' AND length(id) BETWEEN 8 AND 40),
        status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'expired')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[a-z][a-z][a-z]'),
        items TEXT NOT NULL CHECK (json_valid(items)),
        checkout_session_id TEXT UNIQUE CHECK (checkout_session_id IS NULL OR length(checkout_session_id) <= 255),
        payment_intent_id TEXT CHECK (payment_intent_id IS NULL OR length(payment_intent_id) <= 255),
        card_brand TEXT CHECK (card_brand IS NULL OR (length(card_brand) BETWEEN 1 AND 32 AND card_brand NOT GLOB '*[0-9]*')),
        card_last4 TEXT CHECK (card_last4 IS NULL OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*')),
        card_exp_month INTEGER CHECK (card_exp_month IS NULL OR card_exp_month BETWEEN 1 AND 12),
        card_exp_year INTEGER CHECK (card_exp_year IS NULL OR card_exp_year BETWEEN 2000 AND 2200),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        -- All four card fields, or none of them.
        CHECK ((card_brand IS NULL) = (card_last4 IS NULL)
           AND (card_last4 IS NULL) = (card_exp_month IS NULL)
           AND (card_exp_month IS NULL) = (card_exp_year IS NULL)),
        -- Card details only on a paid order.
        CHECK (card_last4 IS NULL OR status = 'paid')
      ) STRICT;
      CREATE INDEX orders_payment_intent ON orders (payment_intent_id);
      CREATE TABLE processed_events (
        event_id TEXT PRIMARY KEY CHECK (event_id GLOB 'evt_*' AND length(event_id) <= 255),
        type TEXT NOT NULL CHECK (length(type) <= 100),
        processed_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'refunded and disputed orders (issue 4)',
    // SQLite cannot change a CHECK constraint in place: rebuild the table
    // (https://www.sqlite.org/lang_altertable.html#otheralter). A refunded or disputed
    // order keeps the card display fields of the payment it reverses.
    sql: `
      CREATE TABLE orders_v2 (
        id TEXT PRIMARY KEY CHECK (id GLOB 'ord_[a-z0-9]*' AND length(id) BETWEEN 8 AND 40),
        status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'refunded', 'disputed')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[a-z][a-z][a-z]'),
        items TEXT NOT NULL CHECK (json_valid(items)),
        checkout_session_id TEXT UNIQUE CHECK (checkout_session_id IS NULL OR length(checkout_session_id) <= 255),
        payment_intent_id TEXT CHECK (payment_intent_id IS NULL OR length(payment_intent_id) <= 255),
        card_brand TEXT CHECK (card_brand IS NULL OR (length(card_brand) BETWEEN 1 AND 32 AND card_brand NOT GLOB '*[0-9]*')),
        card_last4 TEXT CHECK (card_last4 IS NULL OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*')),
        card_exp_month INTEGER CHECK (card_exp_month IS NULL OR card_exp_month BETWEEN 1 AND 12),
        card_exp_year INTEGER CHECK (card_exp_year IS NULL OR card_exp_year BETWEEN 2000 AND 2200),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        CHECK ((card_brand IS NULL) = (card_last4 IS NULL)
           AND (card_last4 IS NULL) = (card_exp_month IS NULL)
           AND (card_exp_month IS NULL) = (card_exp_year IS NULL)),
        -- Card details only on an order that was paid.
        CHECK (card_last4 IS NULL OR status IN ('paid', 'refunded', 'disputed'))
      ) STRICT;
      INSERT INTO orders_v2 SELECT id, status, amount, currency, items, checkout_session_id, payment_intent_id,
        card_brand, card_last4, card_exp_month, card_exp_year, created_at, updated_at FROM orders;
      DROP TABLE orders;
      ALTER TABLE orders_v2 RENAME TO orders;
      CREATE UNIQUE INDEX orders_payment_intent ON orders (payment_intent_id);
    `,
  },
  {
    version: 3,
    description: 'CSP violation reports (PCI DSS 11.6.1), deduplicated and bounded',
    // Only the report fields we need, with URLs cut to origin and path: a report can carry
    // query strings (tokens, emails) and script samples, which are never stored.
    sql: `
      CREATE TABLE csp_reports (
        fingerprint TEXT PRIMARY KEY CHECK (length(fingerprint) = 64),
        document_url TEXT NOT NULL CHECK (length(document_url) <= 512),
        directive TEXT NOT NULL CHECK (length(directive) <= 64),
        blocked_url TEXT NOT NULL CHECK (length(blocked_url) <= 512),
        count INTEGER NOT NULL CHECK (count >= 1),
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX csp_reports_last_seen ON csp_reports (last_seen);
    `,
  },
];

/** Applies every migration newer than the database's `user_version`. */
export function migrate(db: Database): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `The database is at schema version ${current}, newer than this code knows (${latest}). ` +
        'Run a newer version of the app or point DATABASE_URL at another file.',
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return latest;
}
