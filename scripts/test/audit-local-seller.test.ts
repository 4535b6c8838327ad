// The seller `npm run audit` adds for itself against a local app given no --seller-link: in the
// database the settings name, with a working one-time link on the audited origin, and nothing
// added when the settings are another app's.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAuditSeller } from '../audit/local-seller';
import { sellerSession } from '../audit/run-audit';
import { loadConfig } from '../../server/src/config';
import { hashSecret } from '../../server/src/sellers/secrets';
import { openSqliteDatabase } from '../../server/src/store/database';
import { createSellerStore } from '../../server/src/store/seller-store';
import { SELLER_ENROL_ROUTE } from '../../common/pages';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'audit-seller-'));
  file = path.join(dir, 'app.sqlite');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sellerCount(): number {
  const db = new Database(file);
  try {
    return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sellers').get()?.n ?? -1;
  } finally {
    db.close();
  }
}

describe('the seller the audit adds for a local app', () => {
  it("adds a seller to the settings' database, with a one-time link on the audited origin", async () => {
    const target = new URL('https://localhost:4242/');
    const config = loadConfig({ DATABASE_URL: `file:${file}`, PUBLIC_URL: target.origin });
    const seller = await addAuditSeller(target, config);
    expect(seller.email).toMatch(/^audit-[a-z]+@example\.com$/);
    expect(seller.enrolLink.origin).toBe(target.origin);
    expect(seller.enrolLink.pathname).toBe(SELLER_ENROL_ROUTE);
    const db = openSqliteDatabase(file);
    try {
      const store = createSellerStore(db);
      const stored = await store.findSellerByEmail(seller.email);
      expect(stored?.email).toBe(seller.email);
      expect(await store.findEnrolmentToken(hashSecret(seller.enrolLink.searchParams.get('token') ?? ''))).toBe(stored?.id);
    } finally {
      await db.close();
    }
    // A second audit adds a seller of its own (a link works once).
    const again = await addAuditSeller(target, config);
    expect(again.email).not.toBe(seller.email);
    expect(sellerCount()).toBe(2);
  });

  it("adds nothing when the settings are another app's, and says what to do", async () => {
    const config = loadConfig({ DATABASE_URL: `file:${file}`, PUBLIC_URL: 'https://localhost:4242' });
    await expect(addAuditSeller(new URL('https://localhost:5000/'), config)).rejects.toThrow(
      "the local settings (.env and the environment) are for https://localhost:4242, not https://localhost:5000: run the audit with the audited app's settings, or pass --seller-link",
    );
    // Not even opened: the check comes before the database.
    expect(existsSync(file)).toBe(false);
  });

  it('takes the origin from PORT when PUBLIC_URL is unset, as the app does', async () => {
    const config = loadConfig({ DATABASE_URL: `file:${file}`, PORT: '4455' });
    const seller = await addAuditSeller(new URL('https://localhost:4455/'), config);
    expect(seller.enrolLink.origin).toBe('https://localhost:4455');
  });
});

describe('which seller the audit signs in as', () => {
  // Nothing listens on port 1 of loopback: a sign-in there fails at once, which shows which path ran.
  const unreachable = new URL('https://localhost:1/seller/enrol?token=abc');

  it('uses --seller-link when given, and adds no seller then', async () => {
    let added = 0;
    const addSeller = () => {
      added++;
      return Promise.resolve(unreachable);
    };
    expect(await sellerSession({ sellerEnrolLink: unreachable, addSeller })).toMatch(
      /^could not sign in with the link given \(--seller-link\): .*; add a seller for a fresh one$/,
    );
    expect(added).toBe(0);
  });

  it('adds a seller for a local target given no link, and signs in with its link', async () => {
    let added = 0;
    const addSeller = () => {
      added++;
      return Promise.resolve(unreachable);
    };
    expect(await sellerSession({ addSeller })).toMatch(/^could not sign in as the seller the audit added: /);
    expect(added).toBe(1);
    expect(await sellerSession({ addSeller: () => Promise.reject(new Error('no database')) })).toBe(
      'could not add a seller as `npm run seller -- add` does: no database',
    );
  });

  it('asks for --seller-link for a remote target (nothing to add a seller with)', async () => {
    expect(await sellerSession({})).toBe(
      'a seller-only page: pass --seller-link with a fresh link from `npm run seller -- add <email>` so the audit can sign in',
    );
  });
});
