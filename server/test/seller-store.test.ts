// The seller tables through the store, on every engine: sellers are unique by e-mail, an
// enrolment token and a WebAuthn challenge work once and only until they expire, and the
// database holds hashes of the bearer secrets, never the secrets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSeller } from '../src/sellers/enrolment';
import { hashSecret, newSecret } from '../src/sellers/secrets';
import { createSessionManager } from '../src/sellers/sessions';
import { createSellerStore, SellerExistsError } from '../src/store/seller-store';
import type { SellerStore } from '../src/store/seller-store';
import { DEFAULT_SELLER_TIMEOUTS } from '../src/config';
import { SELLER_ENROL_ROUTE } from '../../common/pages';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';

const PUBLIC_URL = 'https://shop.example';
const HOUR = 3_600_000;

describeEachEngine('seller store', (engine) => {
  let test: TestDatabase;
  let store: SellerStore;

  beforeEach(async () => {
    test = await createTestDatabase(engine);
    store = createSellerStore(test.database);
  });
  afterEach(async () => {
    await test.drop();
  });

  it('adds a seller once per e-mail address, with no Stripe account yet', async () => {
    const seller = await store.createSeller('maker@example.com', 1_000);
    expect(seller).toEqual({
      id: expect.stringMatching(/^slr_[a-z]{20}$/),
      email: 'maker@example.com',
      stripeAccountId: null,
      createdAt: 1_000,
    });
    expect(await store.findSellerByEmail('maker@example.com')).toEqual(seller);
    await expect(store.createSeller('maker@example.com')).rejects.toBeInstanceOf(SellerExistsError);
  });

  it("keeps a seller's first connected account: a second one stored later (a race) is refused and the first returned", async () => {
    const seller = await store.createSeller('maker@example.com');
    expect(await store.setStripeAccountId(seller.id, 'acct_first')).toBe('acct_first');
    expect(await store.setStripeAccountId(seller.id, 'acct_second')).toBe('acct_first');
    expect((await store.findSellerById(seller.id))?.stripeAccountId).toBe('acct_first');
    await expect(store.setStripeAccountId('slr_missing', 'acct_first')).rejects.toThrow(/No seller/);
  });

  it('has exactly the seller columns, and no password anywhere', async () => {
    const tables = await test.database.db.introspection.getTables();
    const columns = (name: string) => tables.find((table) => table.name === name)?.columns.map((column) => column.name);
    expect(columns('sellers')).toEqual(['id', 'email', 'stripe_account_id', 'created_at']);
    expect(columns('seller_passkeys')).toEqual(['credential_id', 'seller_id', 'public_key', 'counter', 'transports', 'created_at']);
    expect(columns('seller_enrolment_tokens')).toEqual(['token_hash', 'seller_id', 'expires_at', 'used_at', 'created_at']);
    expect(columns('seller_sessions')).toEqual(['id_hash', 'seller_id', 'created_at', 'last_seen_at']);
    expect(tables.flatMap((table) => table.columns.map((column) => column.name)).filter((name) => /pass(word|wd)/.test(name))).toEqual([]);
  });

  it('prints a link at PUBLIC_URL whose token is stored only as its hash', async () => {
    const link = await addSeller(store, {
      email: 'maker@example.com',
      publicUrl: PUBLIC_URL,
      linkMs: DEFAULT_SELLER_TIMEOUTS.enrolLinkMs,
      now: 0,
    });
    const url = new URL(link.url);
    expect(url.origin + url.pathname).toBe(`${PUBLIC_URL}${SELLER_ENROL_ROUTE}`);
    const token = url.searchParams.get('token') ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt).toBe(DEFAULT_SELLER_TIMEOUTS.enrolLinkMs);
    const rows = await test.database.db.selectFrom('seller_enrolment_tokens').selectAll().execute();
    expect(rows).toEqual([
      { token_hash: hashSecret(token), seller_id: link.seller.id, expires_at: link.expiresAt, used_at: null, created_at: 0 },
    ]);
  });

  it('spends an enrolment token once, and never after it expires', async () => {
    const seller = await store.createSeller('maker@example.com');
    const [once, late] = [newSecret(), newSecret()];
    await store.addEnrolmentToken(seller.id, hashSecret(once), 10 * HOUR, 0);
    await store.addEnrolmentToken(seller.id, hashSecret(late), 10 * HOUR, 0);

    expect(await store.findEnrolmentToken(hashSecret(once), HOUR)).toBe(seller.id);
    expect(await store.spendEnrolmentToken(hashSecret(once), HOUR)).toBe(seller.id);
    expect(await store.spendEnrolmentToken(hashSecret(once), HOUR)).toBeUndefined();
    expect(await store.findEnrolmentToken(hashSecret(once), HOUR)).toBeUndefined();

    expect(await store.findEnrolmentToken(hashSecret(late), 10 * HOUR)).toBeUndefined();
    expect(await store.spendEnrolmentToken(hashSecret(late), 10 * HOUR)).toBeUndefined();
    expect(await store.spendEnrolmentToken(hashSecret(late), 10 * HOUR - 1)).toBe(seller.id);
  });

  it('spends a challenge once, for its purpose and seller only, before it expires', async () => {
    const seller = await store.createSeller('maker@example.com');
    const far = Date.now() + HOUR;
    await store.addChallenge('challenge-for-enrolling', 'enrol', seller.id, far);
    expect(await store.spendChallenge('challenge-for-enrolling', 'sign-in', null)).toBe(false);
    expect(await store.spendChallenge('challenge-for-enrolling', 'enrol', null)).toBe(false);
    expect(await store.spendChallenge('challenge-for-enrolling', 'enrol', seller.id)).toBe(true);
    expect(await store.spendChallenge('challenge-for-enrolling', 'enrol', seller.id)).toBe(false);

    await store.addChallenge('challenge-for-signing-in', 'sign-in', null, far);
    expect(await store.spendChallenge('challenge-for-signing-in', 'sign-in', null, far)).toBe(false);
  });

  it('keeps sessions as hashes, ends them on idle, on age and at sign-out, and rotates them', async () => {
    const seller = await store.createSeller('maker@example.com');
    let now = 0;
    const sessions = createSessionManager(store, { sessionIdleMs: 10, sessionMaxMs: 25 }, () => now);

    const first = await sessions.start(seller.id);
    const rows = await test.database.db.selectFrom('seller_sessions').selectAll().execute();
    expect(rows).toEqual([{ id_hash: hashSecret(first), seller_id: seller.id, created_at: 0, last_seen_at: 0 }]);

    // Idle: used at 9 (alive), then nothing until 19 (ten since last use): gone.
    now = 9;
    expect(await sessions.resolve(first)).toBe(seller.id);
    now = 19;
    expect(await sessions.resolve(first)).toBeUndefined();
    expect(await store.findSession(hashSecret(first))).toBeUndefined();

    // Absolute: used every 9 it stays alive until 25 after it started, then ends whatever its use.
    now = 100;
    const second = await sessions.start(seller.id);
    for (now = 109; now < 125; now += 9) expect(await sessions.resolve(second)).toBe(seller.id);
    now = 125;
    expect(await sessions.resolve(second)).toBeUndefined();

    // Rotation: a sign-in with an old id ends it and gives a new one.
    const third = await sessions.start(seller.id);
    const fourth = await sessions.start(seller.id, third);
    expect(fourth).not.toBe(third);
    expect(await sessions.resolve(third)).toBeUndefined();
    expect(await sessions.resolve(fourth)).toBe(seller.id);

    await sessions.end(fourth);
    expect(await sessions.resolve(fourth)).toBeUndefined();
    expect(await sessions.resolve('not a session id')).toBeUndefined();
  });
});

describe('seller e-mail addresses', () => {
  it('are lower-cased, and anything else is refused with a hint', async () => {
    const { parseSellerEmail } = await import('../src/sellers/enrolment');
    expect(parseSellerEmail(' Maker@Example.COM ')).toBe('maker@example.com');
    expect(parseSellerEmail('nope')).toEqual({ error: 'Give the seller an e-mail address, such as maker@example.com.' });
  });
});
