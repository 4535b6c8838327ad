// Opens the SQLite database: WAL for concurrent readers during writes, foreign keys on,
// a busy timeout instead of immediate SQLITE_BUSY, and the schema migrated.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations';

export type { Database } from 'better-sqlite3';

export function openDatabase(file: string): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // https://www.sqlite.org/wal.html
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
