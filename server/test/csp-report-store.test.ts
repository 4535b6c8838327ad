// The CSP report store: deduplicated, bounded, URLs cut to origin and path, PAN guard.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCspReportStore, readCspReportsSince, reduceReportUrl } from '../src/store/csp-report-store';
import { openDatabase, type Database } from '../src/store/database';

let dir: string;
let db: Database;
let clock: number;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'csp-store-'));
  db = openDatabase(path.join(dir, 'app.sqlite'));
  clock = 1_800_000_000;
});
afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

const store = (maxRows = 10) => createCspReportStore(db, { maxRows, now: () => clock });
const violation = (blocked: string) => ({ documentUrl: 'https://shop.example/payment?session=cs_123&email=a@b.c', directive: 'script-src-elem', blockedUrl: blocked });

describe('CSP report store', () => {
  it('keeps one row per distinct violation, with a count and first/last seen', () => {
    const reports = store();
    reports.record(violation('inline'));
    clock += 60;
    reports.record(violation('inline'));
    expect(reports.listSince(0)).toEqual([
      { documentUrl: 'https://shop.example/payment', directive: 'script-src-elem', blockedUrl: 'inline', count: 2, firstSeen: 1_800_000_000, lastSeen: 1_800_000_060 },
    ]);
  });

  it('never stores query strings or fragments, which can carry tokens and emails', () => {
    store().record(violation('https://evil.example/x.js?card=1#frag'));
    const stored = JSON.stringify(db.prepare('SELECT * FROM csp_reports').all());
    expect(stored).not.toMatch(/session=|email|card=|#frag/);
    expect(reduceReportUrl('eval')).toBe('eval');
  });

  it('is bounded: past maxRows the least recently seen rows go', () => {
    const reports = store(3);
    for (let i = 0; i < 5; i++) {
      clock += 1;
      reports.record(violation(`https://evil.example/${i}.js`));
    }
    expect(reports.listSince(0).map((r) => r.blockedUrl)).toEqual(['https://evil.example/4.js', 'https://evil.example/3.js', 'https://evil.example/2.js']);
  });

  it('refuses a report that carries a card number, and stores nothing', () => {
    expect(() => store().record(violation('https://evil.example/steal/4242-4242-4242-4242'))).toThrow(/card number/);
    expect(store().listSince(0)).toEqual([]);
  });

  it('lists recent reports for the monitor from the database file, read-only', () => {
    const reports = store();
    reports.record(violation('inline'));
    clock += 3600;
    reports.record(violation('https://evil.example/late.js'));
    const recent = readCspReportsSince(path.join(dir, 'app.sqlite'), clock - 60);
    expect(recent.map((r) => r.blockedUrl)).toEqual(['https://evil.example/late.js']);
  });
});
