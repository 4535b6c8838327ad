// Idempotent POSTs: https://docs.stripe.com/api/idempotent_requests
// The first result for a key is kept (per API key) and replayed for the same parameters; the
// same key with other parameters is an `idempotency_error`. 5xx answers are not kept, so a
// retry can still succeed.
import { createHash } from 'node:crypto';
import { idempotencyMismatch } from './errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

interface Entry {
  fingerprint: string;
  response: StoredResponse;
  expiresAt: number;
}

const KEY_TTL_MS = 24 * 60 * 60 * 1000; // Stripe keeps keys for at least 24 hours
const MAX_ENTRIES = 10_000; // bounds memory in a long workshop; the oldest keys go first

export class IdempotencyCache {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** The stored response to replay, `undefined` for a new key; throws on conflicting parameters. */
  find(scope: string, key: string, fingerprint: string): StoredResponse | undefined {
    const entry = this.#entries.get(`${scope}\u0000${key}`);
    if (!entry || entry.expiresAt <= this.now()) return undefined;
    if (entry.fingerprint !== fingerprint) throw idempotencyMismatch(key);
    return entry.response;
  }

  remember(scope: string, key: string, fingerprint: string, response: StoredResponse): void {
    if (response.status >= 500) return;
    if (this.#entries.size >= MAX_ENTRIES) this.#prune();
    this.#entries.set(`${scope}\u0000${key}`, { fingerprint, response, expiresAt: this.now() + KEY_TTL_MS });
  }

  #prune(): void {
    const now = this.now();
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
    // Maps iterate in insertion order, so what remains over the limit is the oldest.
    for (const id of this.#entries.keys()) {
      if (this.#entries.size < MAX_ENTRIES) break;
      this.#entries.delete(id);
    }
  }
}

/**
 * The request's identity for idempotency: method, path and parameters in a stable order,
 * hashed, so a card number in the parameters is never kept.
 */
export function fingerprintRequest(method: string, path: string, params: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path} ${stableStringify(params)}`)
    .digest('base64url');
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
