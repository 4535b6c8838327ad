// The CSP report store: deduplicated per (page, directive, blocked origin), bounded without
// letting a flood hide a violation (per-client quota, fair eviction, drops counted), URLs cut,
// card numbers masked.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/config';
import {
  DEFAULT_CSP_REPORT_QUOTA,
  createCspReportStore,
  readCspReportDropsSince,
  readCspReportsSince,
  reduceBlockedUrl,
  reduceReportUrl,
} from '../src/store/csp-report-store';
import type { CspReportStoreOptions } from '../src/store/csp-report-store';
import { openReadOnlyDatabase, openSqliteDatabase } from '../src/store/database';
import { MIGRATIONS } from '../src/store/migrations';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';

const violation = (blocked: string) => ({
  documentUrl: 'https://shop.example/payment?session=cs_123&email=a@b.c',
  directive: 'script-src-elem',
  blockedUrl: blocked,
});
/** A distinct violation per `i`: another page each time, so no two share a row. */
const floodReport = (i: number) => ({
  documentUrl: `https://shop.example/page-${i}`,
  directive: 'img-src',
  blockedUrl: `https://flood-${i}.example/x.gif`,
});
const GENUINE = 'browser 203.0.113.7';
const FLOODER = 'client 198.51.100.9';

describeEachEngine('CSP report store', (engine) => {
  let test: TestDatabase;
  let clock: number;
  beforeEach(async () => {
    test = await createTestDatabase(engine);
    clock = 1_800_000_000;
  });
  afterEach(async () => {
    await test.drop();
  });

  const store = (options: CspReportStoreOptions = { maxRows: 10 }) => createCspReportStore(test.database, { ...options, now: () => clock });
  const blockedOf = async (reports: ReturnType<typeof store>) => (await reports.listSince(0)).map((r) => r.blockedUrl).sort();

  it('keeps one row per distinct violation, with a count and first/last seen', async () => {
    const reports = store();
    await expect(reports.record(violation('inline'), GENUINE)).resolves.toBe('stored');
    clock += 60;
    await expect(reports.record(violation('inline'), FLOODER)).resolves.toBe('repeat');
    expect(await reports.listSince(0)).toEqual([
      {
        documentUrl: 'https://shop.example/payment',
        directive: 'script-src-elem',
        blockedUrl: 'inline',
        count: 2,
        firstSeen: 1_800_000_000,
        lastSeen: 1_800_000_060,
      },
    ]);
  });

  it('keys a blocked URL on its origin: one skimmer host under many paths is one violation', async () => {
    const reports = store();
    await reports.record(violation('https://evil.example/a.js'), FLOODER);
    await reports.record(violation('https://evil.example/b/c.js?v=2'), FLOODER);
    await reports.record(violation('https://evil.example:8443/a.js'), FLOODER);
    expect(
      (await reports.listSince(0))
        .map(({ blockedUrl, count }) => ({ blockedUrl, count }))
        .sort((a, b) => a.blockedUrl.localeCompare(b.blockedUrl)),
    ).toEqual([
      { blockedUrl: 'https://evil.example', count: 2 },
      { blockedUrl: 'https://evil.example:8443', count: 1 },
    ]);
    expect(
      ['inline', 'eval', 'wasm-eval', 'data:image/png;base64,iVBORw0KGgo=', 'blob:https://shop.example/0b4f', 'about:blank', ''].map(
        reduceBlockedUrl,
      ),
    ).toEqual(['inline', 'eval', 'wasm-eval', 'data:', 'https://shop.example', 'about:', '']);
  });

  it('never stores query strings or fragments, which can carry tokens and emails', async () => {
    await store().record(violation('https://evil.example/x.js?card=1#frag'), GENUINE);
    const stored = JSON.stringify(await test.database.db.selectFrom('csp_reports').selectAll().execute());
    expect(stored).not.toMatch(/session=|email|card=|#frag/);
    expect(stored).not.toContain(GENUINE);
    expect(reduceReportUrl('eval')).toBe('eval');
  });

  it("keeps a genuine report through the review's flood: one client, 29 requests of 20 reports in a minute", async () => {
    const reports = store({});
    const genuineSeen = clock;
    await reports.record(violation('https://skimmer.example/s.js'), GENUINE);
    let sent = 0;
    for (let request = 0; request < 29; request++) {
      clock += 2;
      for (let i = 0; i < 20; i++) await reports.record(floodReport(sent++), FLOODER);
    }
    const stored = await reports.listSince(0);
    expect(stored.filter((r) => r.blockedUrl === 'https://skimmer.example')).toEqual([
      {
        documentUrl: 'https://shop.example/payment',
        directive: 'script-src-elem',
        blockedUrl: 'https://skimmer.example',
        count: 1,
        firstSeen: genuineSeen,
        lastSeen: genuineSeen,
      },
    ]);
    expect(stored).toHaveLength(1 + DEFAULT_CSP_REPORT_QUOTA.perClient);
    expect(await reports.listDropsSince(genuineSeen)).toEqual([
      // The first request past the quota is the first drop.
      {
        reason: 'over-quota',
        count: sent - DEFAULT_CSP_REPORT_QUOTA.perClient,
        firstSeen: genuineSeen + 2 * (Math.floor(DEFAULT_CSP_REPORT_QUOTA.perClient / 20) + 1),
        lastSeen: clock,
      },
    ]);
  });

  it('counts repeats of a stored violation from a client over its quota, without a drop', async () => {
    const reports = store({ maxRows: 10, quota: { perClient: 2, windowSeconds: 600 } });
    await reports.record(floodReport(0), FLOODER);
    await reports.record(floodReport(1), FLOODER);
    await expect(reports.record(floodReport(2), FLOODER)).resolves.toBe('over-quota');
    await expect(reports.record(floodReport(0), FLOODER)).resolves.toBe('repeat');
    expect((await reports.listSince(0)).map((r) => r.count).sort()).toEqual([1, 2]);
    expect((await reports.listDropsSince(0)).map((d) => [d.reason, d.count])).toEqual([['over-quota', 1]]);
    clock += 601;
    await expect(reports.record(floodReport(3), FLOODER)).resolves.toBe('stored');
  });

  it('is bounded: a full table evicts only the newest rows of the client holding the most, and counts each eviction', async () => {
    const reports = store({ maxRows: 5, quota: { perClient: 1000, windowSeconds: 3600 } });
    await reports.record(violation('https://skimmer.example/s.js'), GENUINE);
    for (let i = 0; i < 6; i++) {
      clock += 1;
      await reports.record(floodReport(i), FLOODER);
    }
    // The flooder filled the table (4 rows after the genuine one) and its fifth and sixth were refused.
    expect(await blockedOf(reports)).toEqual([
      'https://flood-0.example',
      'https://flood-1.example',
      'https://flood-2.example',
      'https://flood-3.example',
      'https://skimmer.example',
    ]);
    clock += 1;
    await expect(reports.record(violation('inline'), 'browser 192.0.2.1')).resolves.toBe('stored');
    expect(await blockedOf(reports)).toEqual([
      'https://flood-0.example',
      'https://flood-1.example',
      'https://flood-2.example',
      'https://skimmer.example',
      'inline',
    ]);
    expect((await reports.listDropsSince(0)).map((d) => [d.reason, d.count])).toEqual([
      ['evicted', 1],
      ['table-full', 2],
    ]);
  });

  it('never evicts a violation for a client holding as many rows: many clients of one row each fill it, the next is refused', async () => {
    const reports = store({ maxRows: 3 });
    for (let i = 0; i < 3; i++) await reports.record(floodReport(i), `client ${i}`);
    clock += 1;
    await expect(reports.record(violation('inline'), 'client 3')).resolves.toBe('table-full');
    // Two rows against the others' one: still no eviction, as the others would hold no fewer after it.
    await expect(reports.record(floodReport(9), 'client 0')).resolves.toBe('table-full');
    expect(await blockedOf(reports)).toEqual(['https://flood-0.example', 'https://flood-1.example', 'https://flood-2.example']);
    expect(await reports.listDropsSince(clock)).toEqual([{ reason: 'table-full', count: 2, firstSeen: clock, lastSeen: clock }]);
  });

  it('expires rows and drops not seen for the retention period, so a full table does not stay full', async () => {
    const reports = store({ maxRows: 1, retentionSeconds: 86_400 });
    await reports.record(floodReport(0), FLOODER);
    await expect(reports.record(floodReport(1), GENUINE)).resolves.toBe('table-full');
    clock += 86_401;
    await expect(reports.record(floodReport(2), GENUINE)).resolves.toBe('stored');
    expect(await blockedOf(reports)).toEqual(['https://flood-2.example']);
    expect(await reports.listDropsSince(0)).toEqual([]);
  });

  it('stores a report that carries a card number with the number masked, fingerprinted after masking', async () => {
    const reports = store();
    const fromPage = (pathname: string) => ({
      documentUrl: `https://shop.example/${pathname}`,
      directive: 'connect-src',
      blockedUrl: 'https://evil.example/steal',
    });
    await reports.record(fromPage('steal/4242-4242-4242-4242'), GENUINE);
    // Another number with the same last four: the same row once masked, so no hash of either number is kept.
    await reports.record(fromPage('steal/5555-5555-5559-4242'), GENUINE);
    // A number the 64-character cut of a non-URL value would split: masked before the cut.
    await reports.record({ documentUrl: `${'x'.repeat(52)} 4000 0566 5566 5556`, directive: 'connect-src', blockedUrl: 'inline' }, GENUINE);
    // The blocked URL is kept as its origin, and a number in that origin is masked too.
    await reports.record(
      { documentUrl: 'https://shop.example/payment', directive: 'connect-src', blockedUrl: 'https://4000-0566-5566-5556.evil.example/c' },
      GENUINE,
    );
    const rows = (await reports.listSince(0)).map(({ documentUrl, blockedUrl, count }) => ({ documentUrl, blockedUrl, count }));
    expect(rows.sort((a, b) => a.documentUrl.localeCompare(b.documentUrl))).toEqual([
      { documentUrl: 'https://shop.example/payment', blockedUrl: 'https://****-****-****-5556.evil.example', count: 1 },
      { documentUrl: 'https://shop.example/steal/****-****-****-4242', blockedUrl: 'https://evil.example', count: 2 },
      { documentUrl: `${'x'.repeat(52)} **** **** *`, blockedUrl: 'inline', count: 1 },
    ]);
  });

  it('lists recent reports since a time', async () => {
    const reports = store();
    await reports.record(violation('inline'), GENUINE);
    clock += 3600;
    await reports.record(violation('https://evil.example/late.js'), GENUINE);
    expect((await reports.listSince(clock - 60)).map((r) => r.blockedUrl)).toEqual(['https://evil.example']);
  });

  it('lets the monitor read the reports and the drops through DATABASE_URL, read-only', async () => {
    const reports = store({ maxRows: 1 });
    await reports.record(violation('inline'), GENUINE);
    await reports.record(violation('eval'), GENUINE);
    const location = parseDatabaseUrl(test.url);
    if (typeof location === 'string') throw new Error(location);
    expect((await readCspReportsSince(location, 0)).map((r) => r.blockedUrl)).toEqual(['inline']);
    expect(await readCspReportDropsSince(location, 0)).toEqual([{ reason: 'table-full', count: 1, firstSeen: clock, lastSeen: clock }]);
    const reader = openReadOnlyDatabase(location);
    try {
      await expect(reader.db.deleteFrom('csp_reports').execute()).rejects.toThrow(/readonly|read-only/);
      await expect(reader.db.deleteFrom('csp_report_drops').execute()).rejects.toThrow(/readonly|read-only/);
    } finally {
      await reader.close();
    }
    expect(await store().listSince(0)).toHaveLength(1);
  });
});

it('migrates a version 5 database: its reports stay, keep deduplicating, and count for no client', async () => {
  const test = await createTestDatabase('sqlite');
  const file = `${test.file ?? ''}.v5`;
  const old = new BetterSqlite3(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) old.exec(migration.sqlite);
  old.pragma('user_version = 5');
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ documentUrl: 'https://shop.example/payment', directive: 'script-src-elem', blockedUrl: 'inline' }))
    .digest('hex');
  old
    .prepare(
      'INSERT INTO csp_reports (fingerprint, document_url, directive, blocked_url, count, first_seen, last_seen) VALUES (?, ?, ?, ?, 1, 100, 100)',
    )
    .run(fingerprint, 'https://shop.example/payment', 'script-src-elem', 'inline');
  old.close();
  const migrated = openSqliteDatabase(file);
  try {
    const reports = createCspReportStore(migrated, { now: () => 200 });
    await expect(reports.record(violation('inline'), GENUINE)).resolves.toBe('repeat');
    expect(await reports.listSince(0)).toEqual([
      {
        documentUrl: 'https://shop.example/payment',
        directive: 'script-src-elem',
        blockedUrl: 'inline',
        count: 2,
        firstSeen: 100,
        lastSeen: 200,
      },
    ]);
    expect(await reports.listDropsSince(0)).toEqual([]);
  } finally {
    await migrated.close();
    await test.drop();
  }
});

it('refuses to read a SQLite file that is not there, rather than create an empty one', async () => {
  const missing = path.join(os.tmpdir(), `sss-missing-${process.pid}`, 'app.sqlite');
  await expect(readCspReportsSince({ engine: 'sqlite', file: missing }, 0)).rejects.toThrow(`There is no SQLite database at ${missing}`);
  expect(existsSync(missing)).toBe(false);
});
