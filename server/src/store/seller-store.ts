// The only place SQL for sellers, their passkeys, enrolment links, sessions and WebAuthn
// challenges lives. Secrets arrive here already hashed (sellers/secrets.ts): the tables hold
// no token or session id a copy of the database could use. Every single-use thing (a token,
// a challenge) is spent in one conditional statement, so two instances racing on the same one
// cannot both succeed.
import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AppDatabase } from './database';
import { assertNoPan } from './pan-guard';
import type { SellerPasskeysTable, SellersTable, WebauthnChallengePurpose } from './schema';

export type { WebauthnChallengePurpose } from './schema';

export interface Seller {
  id: string;
  email: string;
  stripeAccountId: string | null;
  createdAt: number;
}

export interface Passkey {
  /** base64url, as WebAuthn's credential id travels in JSON. */
  credentialId: string;
  sellerId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  createdAt: number;
}

export interface SellerSession {
  sellerId: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SellerStore {
  /** A new seller; throws SellerExistsError when the e-mail address already has one. */
  createSeller(email: string, now?: number): Promise<Seller>;
  findSellerById(id: string): Promise<Seller | undefined>;
  findSellerByEmail(email: string): Promise<Seller | undefined>;
  /** Stores the seller's connected account unless one is stored already; returns the one stored. */
  setStripeAccountId(sellerId: string, accountId: string): Promise<string>;
  addEnrolmentToken(sellerId: string, tokenHash: string, expiresAt: number, now?: number): Promise<void>;
  /** The seller of an unused, unexpired token, without spending it. */
  findEnrolmentToken(tokenHash: string, now?: number): Promise<string | undefined>;
  /** Marks the token used; its seller if it was unused and unexpired, else undefined (nothing changes). */
  spendEnrolmentToken(tokenHash: string, now?: number): Promise<string | undefined>;
  addPasskey(passkey: Omit<Passkey, 'createdAt'>, now?: number): Promise<void>;
  findPasskey(credentialId: string): Promise<Passkey | undefined>;
  listPasskeys(sellerId: string): Promise<Passkey[]>;
  updatePasskeyCounter(credentialId: string, counter: number): Promise<void>;
  addChallenge(challenge: string, purpose: WebauthnChallengePurpose, sellerId: string | null, expiresAt: number): Promise<void>;
  /** Deletes the challenge; true if it existed for that purpose (and seller) and had not expired. */
  spendChallenge(challenge: string, purpose: WebauthnChallengePurpose, sellerId: string | null, now?: number): Promise<boolean>;
  createSession(idHash: string, sellerId: string, now?: number): Promise<void>;
  findSession(idHash: string): Promise<SellerSession | undefined>;
  touchSession(idHash: string, now?: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Deletes the sessions idle since before `idleSince` or started before `createdSince`; returns how many went. */
  deleteSessionsBefore(idleSince: number, createdSince: number): Promise<number>;
}

export class SellerExistsError extends Error {
  constructor(email: string) {
    super(`A seller with the e-mail address ${email} exists already.`);
    this.name = 'SellerExistsError';
  }
}

/** `slr_` + 20 random letters: letters only, so an id never looks like a card number. */
export function newSellerId(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return `slr_${Array.from(randomBytes(20), (byte) => letters[byte % 26]).join('')}`;
}

function toSeller(row: Selectable<SellersTable>): Seller {
  return { id: row.id, email: row.email, stripeAccountId: row.stripe_account_id, createdAt: row.created_at };
}

function toPasskey(row: Selectable<SellerPasskeysTable>): Passkey {
  return {
    credentialId: row.credential_id,
    sellerId: row.seller_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    createdAt: row.created_at,
  };
}

export function createSellerStore({ db }: AppDatabase): SellerStore {
  return {
    async createSeller(email, now = Date.now()) {
      assertNoPan({ email });
      const row = { id: newSellerId(), email, stripe_account_id: null, created_at: now };
      const inserted = await db
        .insertInto('sellers')
        .values(row)
        .onConflict((conflict) => conflict.column('email').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) throw new SellerExistsError(email);
      return toSeller(row);
    },

    async findSellerById(id) {
      const row = await db.selectFrom('sellers').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSeller(row);
    },

    async findSellerByEmail(email) {
      const row = await db.selectFrom('sellers').selectAll().where('email', '=', email).executeTakeFirst();
      return row && toSeller(row);
    },

    async setStripeAccountId(sellerId, accountId) {
      await db
        .updateTable('sellers')
        .set({ stripe_account_id: accountId })
        .where('id', '=', sellerId)
        .where('stripe_account_id', 'is', null)
        .execute();
      const row = await db.selectFrom('sellers').select('stripe_account_id').where('id', '=', sellerId).executeTakeFirst();
      if (!row?.stripe_account_id) throw new Error(`No seller ${sellerId} to give a connected account.`);
      return row.stripe_account_id;
    },

    async addEnrolmentToken(sellerId, tokenHash, expiresAt, now = Date.now()) {
      await db
        .insertInto('seller_enrolment_tokens')
        .values({ token_hash: tokenHash, seller_id: sellerId, expires_at: expiresAt, used_at: null, created_at: now })
        .execute();
    },

    async findEnrolmentToken(tokenHash, now = Date.now()) {
      const row = await db
        .selectFrom('seller_enrolment_tokens')
        .select('seller_id')
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row?.seller_id;
    },

    async spendEnrolmentToken(tokenHash, now = Date.now()) {
      const row = await db
        .updateTable('seller_enrolment_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('seller_id')
        .executeTakeFirst();
      return row?.seller_id;
    },

    async addPasskey(passkey, now = Date.now()) {
      await db
        .insertInto('seller_passkeys')
        .values({
          credential_id: passkey.credentialId,
          seller_id: passkey.sellerId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports),
          created_at: now,
        })
        .execute();
    },

    async findPasskey(credentialId) {
      const row = await db.selectFrom('seller_passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return row && toPasskey(row);
    },

    async listPasskeys(sellerId) {
      const rows = await db.selectFrom('seller_passkeys').selectAll().where('seller_id', '=', sellerId).orderBy('created_at').execute();
      return rows.map(toPasskey);
    },

    async updatePasskeyCounter(credentialId, counter) {
      await db.updateTable('seller_passkeys').set({ counter }).where('credential_id', '=', credentialId).execute();
    },

    async addChallenge(challenge, purpose, sellerId, expiresAt) {
      // Unanswered challenges are dead weight: clear the expired ones as new ones come.
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', Date.now()).execute();
      await db.insertInto('webauthn_challenges').values({ challenge, purpose, seller_id: sellerId, expires_at: expiresAt }).execute();
    },

    async spendChallenge(challenge, purpose, sellerId, now = Date.now()) {
      let query = db
        .deleteFrom('webauthn_challenges')
        .where('challenge', '=', challenge)
        .where('purpose', '=', purpose)
        .where('expires_at', '>', now);
      query = sellerId === null ? query.where('seller_id', 'is', null) : query.where('seller_id', '=', sellerId);
      const row = await query.returning('challenge').executeTakeFirst();
      return row !== undefined;
    },

    async createSession(idHash, sellerId, now = Date.now()) {
      await db.insertInto('seller_sessions').values({ id_hash: idHash, seller_id: sellerId, created_at: now, last_seen_at: now }).execute();
    },

    async findSession(idHash) {
      const row = await db.selectFrom('seller_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row && { sellerId: row.seller_id, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
    },

    async touchSession(idHash, now = Date.now()) {
      await db.updateTable('seller_sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
    },

    async deleteSession(idHash) {
      await db.deleteFrom('seller_sessions').where('id_hash', '=', idHash).execute();
    },

    async deleteSessionsBefore(idleSince, createdSince) {
      const result = await db
        .deleteFrom('seller_sessions')
        .where((eb) => eb.or([eb('last_seen_at', '<', idleSince), eb('created_at', '<', createdSince)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
