// CSPRNG bytes drawn a few kilobytes at a time, as Node's randomUUID() caches its entropy: for
// the small values made per request (a CSP nonce, an emulator id), a call into the CSPRNG each
// time cost more than the rest of making the value.
import { randomBytes } from 'node:crypto';

/**
 * A function that returns `length` fresh random bytes, drawn `poolBytes` at once. Each byte is
 * handed out once; a spent pool is replaced, never refilled in place, so a returned view keeps
 * its bytes.
 */
export function createRandomBytesPool(poolBytes: number): (length: number) => Buffer {
  let pool = Buffer.alloc(0);
  let offset = 0;
  return (length) => {
    if (offset + length > pool.length) {
      pool = randomBytes(Math.max(poolBytes, length));
      offset = 0;
    }
    const bytes = pool.subarray(offset, offset + length);
    offset += length;
    return bytes;
  };
}
