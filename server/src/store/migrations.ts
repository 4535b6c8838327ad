// Versioned schema migrations, one list for both engines: each version has its SQLite and
// its PostgreSQL text, with the same tables, columns and CHECK constraints (PostgreSQL spells
// GLOB as a regular expression and json_valid as the jsonb type). Never edit a shipped
// migration: add a new one.
//
// SQLite records the version in `PRAGMA user_version`; PostgreSQL in `schema_migrations`,
// under an advisory lock, so instances starting together migrate once.
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'pg';

interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

// The SQLite orders table as migrations 1 and 2 create it: they differ only in the table's name
// (2 rebuilds it under a new name, since SQLite cannot change a CHECK in place), the statuses an
// order may have, and the statuses that may carry card display fields.
function sqliteOrdersTable(name: string, statuses: readonly string[], cardStatuses: readonly string[]): string {
  const list = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');
  return `
      CREATE TABLE ${name} (
        id TEXT PRIMARY KEY CHECK (id GLOB 'ord_[a-z0-9]*' AND length(id) BETWEEN 8 AND 40),
        status TEXT NOT NULL CHECK (status IN (${list(statuses)})),
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
        -- Card details only on an order that was paid.
        CHECK (card_last4 IS NULL OR status IN (${list(cardStatuses)}))
      ) STRICT;`;
}

// Migration 6: the same statements in both engines, in each one's column types.
function cspReportDropsMigration(types: { text: string; integer: string; table: string }): string {
  const { text, integer } = types;
  return `
      ALTER TABLE csp_reports ADD COLUMN reporter ${text} NOT NULL DEFAULT '' CHECK (length(reporter) <= 64);
      CREATE INDEX csp_reports_reporter ON csp_reports (reporter, first_seen);
      CREATE TABLE csp_report_drops (
        reason ${text} NOT NULL CHECK (reason IN ('over-quota', 'table-full', 'evicted')),
        period_start ${integer} NOT NULL,
        count ${integer} NOT NULL CHECK (count >= 1),
        first_seen ${integer} NOT NULL,
        last_seen ${integer} NOT NULL,
        PRIMARY KEY (reason, period_start)
      )${types.table};
      CREATE INDEX csp_report_drops_last_seen ON csp_report_drops (last_seen);
    `;
}

// Migration 7: the same statements in both engines, in each one's column types. Secrets are
// stored only as SHA-256 hashes (64 hex characters): a copy of the database signs nobody in
// and enrols nothing. A passkey's public key and credential id are public by design.
function sellersMigration(types: { text: string; integer: string; table: string }): string {
  const { text, integer } = types;
  const hash = (column: string) => `${column} ${text} PRIMARY KEY CHECK (length(${column}) = 64)`;
  return `
      CREATE TABLE sellers (
        id ${text} PRIMARY KEY CHECK (length(id) BETWEEN 8 AND 40),
        email ${text} NOT NULL UNIQUE CHECK (length(email) BETWEEN 3 AND 254),
        stripe_account_id ${text} CHECK (stripe_account_id IS NULL OR length(stripe_account_id) <= 255),
        created_at ${integer} NOT NULL
      )${types.table};
      CREATE TABLE seller_passkeys (
        credential_id ${text} PRIMARY KEY CHECK (length(credential_id) BETWEEN 16 AND 1400),
        seller_id ${text} NOT NULL REFERENCES sellers (id),
        public_key ${text} NOT NULL CHECK (length(public_key) <= 2000),
        counter ${integer} NOT NULL CHECK (counter >= 0),
        transports ${text} NOT NULL CHECK (length(transports) <= 200),
        created_at ${integer} NOT NULL
      )${types.table};
      CREATE INDEX seller_passkeys_seller ON seller_passkeys (seller_id);
      CREATE TABLE seller_enrolment_tokens (
        ${hash('token_hash')},
        seller_id ${text} NOT NULL REFERENCES sellers (id),
        expires_at ${integer} NOT NULL,
        used_at ${integer},
        created_at ${integer} NOT NULL
      )${types.table};
      CREATE TABLE seller_sessions (
        ${hash('id_hash')},
        seller_id ${text} NOT NULL REFERENCES sellers (id),
        created_at ${integer} NOT NULL,
        last_seen_at ${integer} NOT NULL
      )${types.table};
      CREATE INDEX seller_sessions_seller ON seller_sessions (seller_id);
      CREATE TABLE webauthn_challenges (
        challenge ${text} PRIMARY KEY CHECK (length(challenge) BETWEEN 16 AND 128),
        purpose ${text} NOT NULL CHECK (purpose IN ('enrol', 'sign-in')),
        seller_id ${text} REFERENCES sellers (id),
        expires_at ${integer} NOT NULL
      )${types.table};
      CREATE INDEX webauthn_challenges_expires ON webauthn_challenges (expires_at);
    `;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'orders and processed Stripe events',
    // The only card columns are the display fields Stripe returns (brand, last4, expiry);
    // CHECK constraints make the database itself refuse anything longer, so even a bug
    // upstream cannot put a card number in these columns.
    sqlite: `
${sqliteOrdersTable('orders', ['pending', 'paid', 'failed', 'expired'], ['paid'])}
      CREATE INDEX orders_payment_intent ON orders (payment_intent_id);
      CREATE TABLE processed_events (
        event_id TEXT PRIMARY KEY CHECK (event_id GLOB 'evt_*' AND length(event_id) <= 255),
        type TEXT NOT NULL CHECK (length(type) <= 100),
        processed_at INTEGER NOT NULL
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE orders (
        id text PRIMARY KEY CONSTRAINT orders_id_check CHECK (id ~ '^ord_[a-z0-9]' AND length(id) BETWEEN 8 AND 40),
        status text NOT NULL CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'failed', 'expired')),
        amount bigint NOT NULL CHECK (amount > 0),
        currency text NOT NULL CHECK (currency ~ '^[a-z]{3}$'),
        items jsonb NOT NULL,
        checkout_session_id text UNIQUE CHECK (checkout_session_id IS NULL OR length(checkout_session_id) <= 255),
        payment_intent_id text CHECK (payment_intent_id IS NULL OR length(payment_intent_id) <= 255),
        card_brand text CHECK (card_brand IS NULL OR (length(card_brand) BETWEEN 1 AND 32 AND card_brand !~ '[0-9]')),
        card_last4 text CHECK (card_last4 IS NULL OR card_last4 ~ '^[0-9]{4}$'),
        card_exp_month integer CHECK (card_exp_month IS NULL OR card_exp_month BETWEEN 1 AND 12),
        card_exp_year integer CHECK (card_exp_year IS NULL OR card_exp_year BETWEEN 2000 AND 2200),
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        CONSTRAINT orders_card_all_or_none CHECK ((card_brand IS NULL) = (card_last4 IS NULL)
           AND (card_last4 IS NULL) = (card_exp_month IS NULL)
           AND (card_exp_month IS NULL) = (card_exp_year IS NULL)),
        CONSTRAINT orders_card_only_when_paid CHECK (card_last4 IS NULL OR status = 'paid')
      );
      CREATE INDEX orders_payment_intent ON orders (payment_intent_id);
      CREATE TABLE processed_events (
        event_id text PRIMARY KEY CHECK (starts_with(event_id, 'evt_') AND length(event_id) <= 255),
        type text NOT NULL CHECK (length(type) <= 100),
        processed_at bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'refunded and disputed orders',
    // SQLite cannot change a CHECK constraint in place: rebuild the table
    // (https://www.sqlite.org/lang_altertable.html#otheralter). A refunded or disputed
    // order keeps the card display fields of the payment it reverses.
    sqlite: `
${sqliteOrdersTable('orders_v2', ['pending', 'paid', 'failed', 'expired', 'refunded', 'disputed'], ['paid', 'refunded', 'disputed'])}
      INSERT INTO orders_v2 SELECT id, status, amount, currency, items, checkout_session_id, payment_intent_id,
        card_brand, card_last4, card_exp_month, card_exp_year, created_at, updated_at FROM orders;
      DROP TABLE orders;
      ALTER TABLE orders_v2 RENAME TO orders;
      CREATE UNIQUE INDEX orders_payment_intent ON orders (payment_intent_id);
    `,
    postgres: `
      ALTER TABLE orders
        DROP CONSTRAINT orders_status_check,
        ADD CONSTRAINT orders_status_check CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'refunded', 'disputed')),
        DROP CONSTRAINT orders_card_only_when_paid,
        ADD CONSTRAINT orders_card_only_when_paid CHECK (card_last4 IS NULL OR status IN ('paid', 'refunded', 'disputed'));
      DROP INDEX orders_payment_intent;
      CREATE UNIQUE INDEX orders_payment_intent ON orders (payment_intent_id);
    `,
  },
  {
    version: 3,
    description: 'CSP violation reports (PCI DSS 11.6.1), deduplicated and bounded',
    // Only the report fields we need, with URLs cut to origin and path: a report can carry
    // query strings (tokens, emails) and script samples, which are never stored.
    sqlite: `
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
    postgres: `
      CREATE TABLE csp_reports (
        fingerprint text PRIMARY KEY CHECK (length(fingerprint) = 64),
        document_url text NOT NULL CHECK (length(document_url) <= 512),
        directive text NOT NULL CHECK (length(directive) <= 64),
        blocked_url text NOT NULL CHECK (length(blocked_url) <= 512),
        count bigint NOT NULL CHECK (count >= 1),
        first_seen bigint NOT NULL,
        last_seen bigint NOT NULL
      );
      CREATE INDEX csp_reports_last_seen ON csp_reports (last_seen);
    `,
  },
  {
    version: 4,
    description: 'order transitions: the audit trail of every status change',
    // A status is reached at most once per order (the state table has no cycles), so
    // UNIQUE (order_id, to_status) lets the database itself refuse a second fulfilment,
    // whatever the number of app instances racing on the same event.
    sqlite: `
      CREATE TABLE order_transitions (
        id INTEGER PRIMARY KEY,
        order_id TEXT NOT NULL REFERENCES orders (id),
        from_status TEXT NOT NULL CHECK (from_status IN ('pending', 'paid', 'failed', 'expired', 'refunded', 'disputed')),
        to_status TEXT NOT NULL CHECK (to_status IN ('paid', 'failed', 'expired', 'refunded', 'disputed')),
        event_id TEXT CHECK (event_id IS NULL OR (event_id GLOB 'evt_*' AND length(event_id) <= 255)),
        created_at INTEGER NOT NULL,
        UNIQUE (order_id, to_status)
      ) STRICT;
    `,
    postgres: `
      CREATE TABLE order_transitions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_id text NOT NULL REFERENCES orders (id),
        from_status text NOT NULL CHECK (from_status IN ('pending', 'paid', 'failed', 'expired', 'refunded', 'disputed')),
        to_status text NOT NULL CHECK (to_status IN ('paid', 'failed', 'expired', 'refunded', 'disputed')),
        event_id text CHECK (event_id IS NULL OR (starts_with(event_id, 'evt_') AND length(event_id) <= 255)),
        created_at bigint NOT NULL,
        UNIQUE (order_id, to_status)
      );
    `,
  },
  {
    version: 5,
    description: 'rate-limit counters shared by app instances (RATE_LIMIT_STORE=database)',
    sqlite: `
      CREATE TABLE rate_limit_hits (
        key TEXT PRIMARY KEY CHECK (length(key) <= 255),
        hits INTEGER NOT NULL CHECK (hits >= 0),
        reset_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at_ms);
    `,
    postgres: `
      CREATE TABLE rate_limit_hits (
        key text PRIMARY KEY CHECK (length(key) <= 255),
        hits integer NOT NULL CHECK (hits >= 0),
        reset_at_ms bigint NOT NULL
      );
      CREATE INDEX rate_limit_hits_reset ON rate_limit_hits (reset_at_ms);
    `,
  },
  {
    version: 6,
    description: 'CSP reports: who first reported each, and the reports a flood kept out',
    // `reporter` is a hash of the rate limiter's client key, for the per-client quota (never
    // the address itself); rows from before have ''. `csp_report_drops` counts the reports
    // that were refused or evicted, per reason and hour, so the monitor can raise a flood.
    sqlite: cspReportDropsMigration({ text: 'TEXT', integer: 'INTEGER', table: ' STRICT' }),
    postgres: cspReportDropsMigration({ text: 'text', integer: 'bigint', table: '' }),
  },
  {
    version: 7,
    description: 'sellers: passkeys, one-time enrolment tokens, sessions and WebAuthn challenges',
    sqlite: sellersMigration({ text: 'TEXT', integer: 'INTEGER', table: ' STRICT' }),
    postgres: sellersMigration({ text: 'text', integer: 'bigint', table: '' }),
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

function assertNotNewer(current: number): void {
  if (current > LATEST_SCHEMA_VERSION) {
    throw new Error(
      `The database is at schema version ${current}, newer than this code knows (${LATEST_SCHEMA_VERSION}). ` +
        'Run a newer version of the app or point DATABASE_URL at another database.',
    );
  }
}

/** Applies every migration newer than the file's `user_version`, each in its own transaction. */
export function migrateSqlite(db: BetterSqlite3.Database): number {
  const current = Number(db.pragma('user_version', { simple: true }));
  assertNotNewer(current);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sqlite);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return LATEST_SCHEMA_VERSION;
}

/**
 * Applies every migration newer than `schema_migrations` records, in one transaction that
 * holds an advisory lock keyed on the schema: a second instance waits, then finds nothing to do.
 */
export async function migratePostgres(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('stripe-secure-starter:migrate:' || current_schema()))`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ current: number | null }>('SELECT max(version) AS current FROM schema_migrations');
    const current = rows[0]?.current ?? 0;
    assertNotNewer(current);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query(migration.postgres);
      await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  return LATEST_SCHEMA_VERSION;
}
