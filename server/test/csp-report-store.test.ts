// The CSP report store: deduplicated, bounded, URLs cut to origin and path, card numbers masked.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/config';
import { createCspReportStore, readCspReportsSince, reduceReportUrl } from '../src/store/csp-report-store';
import { openReadOnlyDatabase } from '../src/store/database';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';

const violation = (blocked: string) => ({ documentUrl: 'https://shop.example/payment?session=cs_123&email=a@b.c', directive: 'script-src-elem', blockedUrl: blocked });

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

  const store = (maxRows = 10) => createCspReportStore(test.database, { maxRows, now: () => clock });

  it('keeps one row per distinct violation, with a count and first/last seen', async () => {
    const reports = store();
    await reports.record(violation('inline'));
    clock += 60;
    await reports.record(violation('inline'));
    expect(await reports.listSince(0)).toEqual([
      { documentUrl: 'https://shop.example/payment', directive: 'script-src-elem', blockedUrl: 'inline', count: 2, firstSeen: 1_800_000_000, lastSeen: 1_800_000_060 },
    ]);
  });

  it('never stores query strings or fragments, which can carry tokens and emails', async () => {
    await store().record(violation('https://evil.example/x.js?card=1#frag'));
    const stored = JSON.stringify(await test.database.db.selectFrom('csp_reports').selectAll().execute());
    expect(stored).not.toMatch(/session=|email|card=|#frag/);
    expect(reduceReportUrl('eval')).toBe('eval');
  });

  it('is bounded: past maxRows the least recently seen rows go', async () => {
    const reports = store(3);
    for (let i = 0; i < 5; i++) {
      clock += 1;
      await reports.record(violation(`https://evil.example/${i}.js`));
    }
    expect((await reports.listSince(0)).map((r) => r.blockedUrl)).toEqual(['https://evil.example/4.js', 'https://evil.example/3.js', 'https://evil.example/2.js']);
  });

  it('stores a report that carries a card number with the number masked, fingerprinted after masking', async () => {
    const reports = store();
    await reports.record(violation('https://evil.example/steal/4242-4242-4242-4242'));
    // Another number with the same last four: the same row once masked, so no hash of either number is kept.
    await reports.record(violation('https://evil.example/steal/5555-5555-5559-4242'));
    // A number the 64-character cut of a non-URL value would split: masked before the cut.
    await reports.record({ documentUrl: `${'x'.repeat(52)} 4000 0566 5566 5556`, directive: 'connect-src', blockedUrl: 'inline' });
    expect((await reports.listSince(0)).map(({ documentUrl, blockedUrl, count }) => ({ documentUrl, blockedUrl, count }))).toEqual([
      { documentUrl: `${'x'.repeat(52)} **** **** *`, blockedUrl: 'inline', count: 1 },
      { documentUrl: 'https://shop.example/payment', blockedUrl: 'https://evil.example/steal/****-****-****-4242', count: 2 },
    ]);
  });

  it('lists recent reports since a time', async () => {
    const reports = store();
    await reports.record(violation('inline'));
    clock += 3600;
    await reports.record(violation('https://evil.example/late.js'));
    expect((await reports.listSince(clock - 60)).map((r) => r.blockedUrl)).toEqual(['https://evil.example/late.js']);
  });

  it('lets the monitor read the reports through DATABASE_URL, read-only', async () => {
    await store().record(violation('inline'));
    const location = parseDatabaseUrl(test.url);
    if (typeof location === 'string') throw new Error(location);
    expect((await readCspReportsSince(location, 0)).map((r) => r.blockedUrl)).toEqual(['inline']);
    const reader = openReadOnlyDatabase(location);
    try {
      await expect(reader.db.deleteFrom('csp_reports').execute()).rejects.toThrow(/readonly|read-only/);
    } finally {
      await reader.close();
    }
    expect(await store().listSince(0)).toHaveLength(1);
  });
});

it('refuses to read a SQLite file that is not there, rather than create an empty one', async () => {
  const missing = path.join(os.tmpdir(), `sss-missing-${process.pid}`, 'app.sqlite');
  await expect(readCspReportsSince({ engine: 'sqlite', file: missing }, 0)).rejects.toThrow(`There is no SQLite database at ${missing}`);
  expect(existsSync(missing)).toBe(false);
});
