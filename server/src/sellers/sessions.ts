// Seller sessions, kept in the database: the browser holds a random id in a cookie, the table
// its hash, the seller, when it started and when it was last used. A session ends when it has
// been idle too long, when it is too old whatever its use, or at sign-out; a new id is issued
// at every sign-in (the one presented before is deleted), so an id planted before sign-in is
// never signed in (session fixation).
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html
import type { SellerTimeouts } from '../config';
import type { SellerStore } from '../store/seller-store';
import { hashSecret, isSecretShaped, newSecret } from './secrets';

export interface SessionManager {
  /** A new session for the seller; `previousId` (the cookie sent with the sign-in) is ended. */
  start(sellerId: string, previousId?: string | null): Promise<string>;
  /** The seller of a live session (and marks it used), or undefined; an expired one is deleted. */
  resolve(id: string | null | undefined): Promise<string | undefined>;
  end(id: string | null | undefined): Promise<void>;
}

export function createSessionManager(
  store: SellerStore,
  timeouts: Pick<SellerTimeouts, 'sessionIdleMs' | 'sessionMaxMs'>,
  clock: () => number = Date.now,
): SessionManager {
  const end = async (id: string | null | undefined) => {
    if (isSecretShaped(id)) await store.deleteSession(hashSecret(id));
  };
  return {
    async start(sellerId, previousId) {
      await end(previousId);
      const now = clock();
      // Sweep what has expired anyone's: a session row outlives its use only until the next sign-in.
      await store.deleteSessionsBefore(now - timeouts.sessionIdleMs, now - timeouts.sessionMaxMs);
      const id = newSecret();
      await store.createSession(hashSecret(id), sellerId, now);
      return id;
    },
    async resolve(id) {
      if (!isSecretShaped(id)) return undefined;
      const idHash = hashSecret(id);
      const session = await store.findSession(idHash);
      if (!session) return undefined;
      const now = clock();
      if (now - session.lastSeenAt >= timeouts.sessionIdleMs || now - session.createdAt >= timeouts.sessionMaxMs) {
        await store.deleteSession(idHash);
        return undefined;
      }
      await store.touchSession(idHash, now);
      return session.sellerId;
    },
    end,
  };
}
