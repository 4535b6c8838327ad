// The CSP nonce of every page response (routes/pages.ts): 128 random bits, base64, drawn from a
// pool of CSPRNG bytes that is refilled as it runs out. Across several refills no nonce repeats,
// and no nonce shares a half with another (each byte serves one nonce only).
import { describe, expect, it } from 'vitest';
import { createNonce } from '../src/routes/pages';

describe('createNonce', () => {
  it('gives a fresh 128-bit base64 nonce each time, across refills of its pool', () => {
    const count = 2_000; // about eight pools of 256
    const nonces = Array.from({ length: count }, createNonce);
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
    expect(new Set(nonces).size).toBe(count);
    // A wrong offset would hand out overlapping bytes: no 8-byte half appears twice.
    const bytes = nonces.map((nonce) => Buffer.from(nonce, 'base64').toString('hex'));
    const halves = new Set(bytes.flatMap((hex) => [hex.slice(0, 16), hex.slice(16)]));
    expect(halves.size).toBe(count * 2);
  });
});
