// The engines the store suite runs against: always a SQLite file, and PostgreSQL when
// TEST_POSTGRES_URL names a server (.ci/run starts one on loopback). Each test database is
// fresh: a temp file, or a schema of its own in the PostgreSQL database (dropped afterwards),
// reached through a DATABASE_URL that child processes can use too.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { openPostgresDatabase, openSqliteDatabase } from '../../src/store/database';
import type { AppDatabase, DatabaseEngine } from '../../src/store/database';

/** postgres://user:password@127.0.0.1:5432/database of a server the tests may create schemas in. */
export const TEST_POSTGRES_URL = process.env['TEST_POSTGRES_URL'] || undefined;
/** Set by CI: a missing PostgreSQL is then a failure, not a skip. */
const POSTGRES_REQUIRED = process.env['TEST_POSTGRES_REQUIRED'] === '1';

export interface TestDatabase {
  engine: DatabaseEngine;
  database: AppDatabase;
  /** DATABASE_URL for a child process (file:… or postgres://…?options=-c search_path=…). */
  url: string;
  /** The SQLite file; null on PostgreSQL. */
  file: string | null;
  /** Closes the connection and deletes the data. */
  drop(): Promise<void>;
}

export const ENGINES: readonly DatabaseEngine[] = ['sqlite', 'postgres'];

if (TEST_POSTGRES_URL !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(TEST_POSTGRES_URL)) {
  // pg reads anything else as a URL relative to postgres://base and fails on each test with
  // "getaddrinfo ENOTFOUND base"; say what is wrong once instead.
  throw new Error(
    `TEST_POSTGRES_URL must be one postgres://user:password@host:port/database URL; it is ${JSON.stringify(TEST_POSTGRES_URL)}.`,
  );
}

if (!TEST_POSTGRES_URL) {
  const message =
    'PostgreSQL tests are skipped: set TEST_POSTGRES_URL=postgres://user:password@127.0.0.1:5432/database (a database the user may create schemas in) to run the store suite against PostgreSQL too; .ci/run does.';
  if (POSTGRES_REQUIRED) throw new Error(`TEST_POSTGRES_REQUIRED=1 but ${message}`);
  console.warn(message);
}

/** Runs `define` once per engine that is available here; PostgreSQL's block is skipped, with the message above, without a server. */
export function describeEachEngine(name: string, define: (engine: DatabaseEngine) => void): void {
  for (const engine of ENGINES) {
    const available = engine === 'sqlite' || TEST_POSTGRES_URL !== undefined;
    describe.skipIf(!available)(`${name} [${engine}]`, () => define(engine));
  }
}

export async function createTestDatabase(engine: DatabaseEngine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-db-'));
    const file = path.join(dir, 'nested', 'app.sqlite');
    const database = openSqliteDatabase(file);
    return {
      engine,
      database,
      url: `file:${file}`,
      file,
      async drop() {
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  if (!TEST_POSTGRES_URL) throw new Error('TEST_POSTGRES_URL is not set.');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await runAdminQuery(`CREATE SCHEMA ${schema}`);
  const url = withSearchPath(TEST_POSTGRES_URL, schema);
  const database = await openPostgresDatabase(url);
  return {
    engine,
    database,
    url,
    file: null,
    async drop() {
      await database.close();
      await runAdminQuery(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function runAdminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
