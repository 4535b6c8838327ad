// Opens the database named by DATABASE_URL: a SQLite file (the default: one instance, no
// server to run) or PostgreSQL (several instances behind a load balancer). Both are used
// through one Kysely query builder, so the stores above hold no engine-specific code beyond
// what this file and migrations.ts set up.
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, sql, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDatabase, SqliteDialectConfig, SqliteStatement } from 'kysely';
import type PgModule from 'pg';
import { migratePostgres, migrateSqlite } from './migrations';
import type { Schema } from './schema';

export type DatabaseLocation = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };
export type DatabaseEngine = DatabaseLocation['engine'];

export interface AppDatabase {
  engine: DatabaseEngine;
  db: Kysely<Schema>;
  /** For the banner and logs: the file, or the PostgreSQL URL without its password. */
  description: string;
  /** True while a trivial query answers (the health check). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type { Schema } from './schema';

const POOL_SIZE = 10;
const PING_TIMEOUT_MS = 2_000;
/** Prepared SQLite statements kept per connection: the stores use a few dozen distinct queries. */
export const STATEMENT_CACHE_SIZE = 200;

/**
 * How SQLite waits for the disk, set on every open. In WAL mode, NORMAL syncs the log at each
 * checkpoint rather than at each commit: a commit survives the process crashing (SIGKILL, a
 * bug) but the last ones may roll back if the machine loses power or the OS crashes; the file
 * is never corrupted either way (https://www.sqlite.org/pragma.html#pragma_synchronous,
 * https://www.sqlite.org/wal.html#performance_considerations). FULL would sync every commit,
 * on every webhook. For this ledger NORMAL is the right trade: Stripe is the source of truth,
 * a webhook already acknowledged whose row a power cut rolled back is found again by the
 * reconciliation every start runs (it lists Stripe's events since the newest one processed,
 * with an overlap of days), and an order's state is always decided from Stripe re-read.
 * Set explicitly, because otherwise the level depends on history and on the build: a new file
 * switched to WAL by this connection runs its first transactions (the migrations) with FULL,
 * then the build's WAL default (SQLITE_DEFAULT_WAL_SYNCHRONOUS: NORMAL in better-sqlite3's
 * build, FULL in SQLite's own).
 */
export const SQLITE_SYNCHRONOUS = 'NORMAL';

export async function openDatabase(location: DatabaseLocation): Promise<AppDatabase> {
  return location.engine === 'sqlite' ? openSqliteDatabase(location.file) : openPostgresDatabase(location.url);
}

export function openSqliteDatabase(file: string): AppDatabase {
  createPrivateFile(file);
  let handle: BetterSqlite3.Database;
  try {
    handle = new BetterSqlite3(file);
    // https://www.sqlite.org/wal.html
    handle.pragma('journal_mode = WAL');
    handle.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Could not open the SQLite database ${file} (DATABASE_URL=file:${file}): ${cause}. Point DATABASE_URL at a SQLite file this user can read and write, in a folder it can write (SQLite adds -wal and -shm files beside it).`,
      { cause: error },
    );
  }
  // Deleted rows (CSP reports past the bound, expired rate-limit counters) are overwritten
  // with zeros instead of lingering in free pages, where the at-rest scan and anyone with a
  // copy of the file would still find them. Frames in the -wal file go at the next
  // checkpoint. https://www.sqlite.org/pragma.html#pragma_secure_delete
  handle.pragma('secure_delete = ON');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  migrateSqlite(handle);
  return sqliteAppDatabase(handle, file);
}

/**
 * Creates the database file readable by this user only (0600), in a folder of its own (0700)
 * when the folder is missing; SQLite creates the -wal and -shm files with the database file's
 * permissions. Only the last folder is created: `file:/nonexistent/dir/app.sqlite` is a
 * mistake to report, not a tree to build. Existing files and folders are left as they are.
 */
function createPrivateFile(file: string): void {
  const folder = path.dirname(file);
  const fix = `Create the folder (mkdir -p ${folder}) or point DATABASE_URL at a file in an existing folder.`;
  if (!existsSync(folder)) {
    if (!existsSync(path.dirname(folder))) {
      throw new Error(
        `DATABASE_URL=file:${file} names a SQLite file in ${folder}, and neither that folder nor ${path.dirname(folder)} exists. ${fix}`,
      );
    }
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      // Another instance starting at the same moment may have created it.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`DATABASE_URL=file:${file}: could not create the folder ${folder} (${(error as Error).message}). ${fix}`, {
          cause: error,
        });
    }
  }
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch {
    // It exists already (another instance may have created it a moment ago), or cannot be
    // created: opening it says which, with DATABASE_URL in the message.
  }
}

/**
 * Kysely's SQLite dialect, but transactions begin IMMEDIATE: they take the write lock at once,
 * waiting for it up to busy_timeout. A plain (deferred) BEGIN takes it at the first write, and
 * a transaction that has read and then finds another process's newer commit gets SQLITE_BUSY
 * at once, with no wait (https://www.sqlite.org/lang_transaction.html): with two instances on
 * one file, the return page's read-then-write would fail whenever a webhook committed between.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * The connection as Kysely's SQLite driver sees it, with its prepared statements kept: the
 * driver prepares each query's SQL again on every call (4-5 prepares per webhook event), while
 * a better-sqlite3 statement can be run any number of times. Keyed by the SQL text, which
 * holds no values (they are bound parameters); the least recently used statement goes past
 * `max`. Reusing one is safe: Kysely runs one query at a time on the one connection.
 */
export function cachingStatements(handle: BetterSqlite3.Database, max = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => handle.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (statement) statements.delete(text);
      else statement = handle.prepare(text);
      statements.set(text, statement);
      if (statements.size > max) statements.delete(statements.keys().next().value ?? '');
      return statement;
    },
  };
}

function sqliteAppDatabase(handle: BetterSqlite3.Database, file: string): AppDatabase {
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(handle) }) });
  return {
    engine: 'sqlite',
    db,
    description: file,
    ping: () => Promise.resolve(handle.open),
    close: () => db.destroy(),
  };
}

// PostgreSQL sends bigint (int8) as text so no precision is lost; our bigints are seconds,
// milliseconds and amounts, all far below 2^53, and the stores want numbers.
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`bigint ${value} does not fit a JavaScript number`);
  return parsed;
}

/**
 * The pg package, loaded at the first PostgreSQL open: an app on SQLite (the default) never
 * needs it, and loading it was about a tenth of a start's CPU. Synchronous, so the read-only
 * open stays synchronous; pg is a CommonJS package, and the built server keeps it external.
 */
let pgModule: typeof PgModule | undefined;
function loadPg(): typeof PgModule {
  pgModule ??= createRequire(import.meta.url)('pg') as typeof PgModule;
  return pgModule;
}

function typeParsers(pg: typeof PgModule) {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
}

export function describePostgresUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function createPool(url: string, max: number): PgModule.Pool {
  const pg = loadPg();
  const pool = new pg.Pool({ connectionString: url, max, types: typeParsers(pg) });
  // An idle client that loses its connection (server restart) emits 'error' on the pool;
  // without a listener that would crash the process. The next query gets a new connection.
  pool.on('error', () => undefined);
  return pool;
}

export async function openPostgresDatabase(url: string): Promise<AppDatabase> {
  const pool = createPool(url, POOL_SIZE);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw new Error(
      `Could not open the PostgreSQL database ${describePostgresUrl(url)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return postgresAppDatabase(pool, url);
}

function postgresAppDatabase(pool: PgModule.Pool, url: string): AppDatabase {
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return {
    engine: 'postgres',
    db,
    description: describePostgresUrl(url),
    async ping() {
      const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, PING_TIMEOUT_MS, false).unref());
      const query = sql`SELECT 1`.execute(db).then(
        () => true,
        () => false,
      );
      return Promise.race([query, timeout]);
    },
    close: () => db.destroy(),
  };
}

/**
 * For tools that only look (the payment-page monitor): the app's database as it is, never
 * created or migrated, and refusing writes: SQLite opens the file read-only, and PostgreSQL
 * makes every transaction of the session read-only.
 */
export function openReadOnlyDatabase(location: DatabaseLocation): AppDatabase {
  if (location.engine === 'sqlite') {
    if (!existsSync(location.file))
      throw new Error(`There is no SQLite database at ${location.file}: give the file the app writes (DATABASE_URL).`);
    const handle = new BetterSqlite3(location.file, { readonly: true });
    handle.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
    return sqliteAppDatabase(handle, location.file);
  }
  const url = new URL(location.url);
  // Added to any options the URL already carries (such as a search_path).
  const options = url.searchParams.get('options');
  url.searchParams.set('options', `${options ? `${options} ` : ''}-c default_transaction_read_only=on`);
  return postgresAppDatabase(createPool(url.toString(), 1), location.url);
}
