// The seller area's bearer secrets (enrolment tokens, session ids): 256 random bits each, sent
// to the browser once, stored only as their SHA-256. A fast hash is enough for values this
// random (no dictionary to try); a slow one is for passwords, and there are none here.
// https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-id-entropy
import { createHash, randomBytes } from 'node:crypto';

/** A new secret, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a secret: 64 hex characters. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The shape newSecret() makes: anything else is refused before it reaches the database. */
export function isSecretShaped(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
