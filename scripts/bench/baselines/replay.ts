// The bytes a baseline answers with: an answer the app gave (captured by the bench just before,
// scripts/bench/app-sample.ts), replayed with a fresh nonce wherever the app's had one, so both
// sides send the same headers and body. Left out: the ETag Express computes over each body
// (a hash of bytes that change every time), and what Node writes itself (Date, Connection,
// Keep-Alive, Content-Length).
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

export interface CapturedAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The nonce the app put in this answer (CSP and body), replaced per answer; null: none. */
  nonce: string | null;
}

/** The answer the bench passed as JSON (it wrote it: a shape check, not validation of outside input). */
export function parseCapturedAnswer(json: string): CapturedAnswer {
  const answer = JSON.parse(json) as Partial<CapturedAnswer>;
  if (
    typeof answer.status !== 'number' ||
    typeof answer.body !== 'string' ||
    typeof answer.headers !== 'object' ||
    answer.nonce === undefined
  ) {
    throw new Error('BASELINE_ANSWER is not an answer captured by scripts/bench/app-sample.ts.');
  }
  return answer as CapturedAnswer;
}

/** Headers Node writes for every answer, or that only held for the one captured body. */
export const NOT_REPLAYED_HEADERS = ['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'etag'];

/** A function that writes the captured answer, with a fresh 128-bit nonce (as pages.ts makes it) when it had one. */
export function createReplay(answer: CapturedAnswer): (res: ServerResponse) => void {
  const nonce = answer.nonce;
  const headers = Object.entries(answer.headers).filter(([name]) => !NOT_REPLAYED_HEADERS.includes(name));
  if (nonce === null) {
    const fixed = Object.fromEntries(headers);
    return (res) => {
      res.writeHead(answer.status, fixed);
      res.end(answer.body);
    };
  }
  const headerParts = headers.map(([name, value]) => [name, value.split(nonce)] as const);
  const bodyParts = answer.body.split(nonce);
  return (res) => {
    const fresh = randomBytes(16).toString('base64');
    res.writeHead(answer.status, Object.fromEntries(headerParts.map(([name, parts]) => [name, parts.join(fresh)])));
    res.end(bodyParts.join(fresh));
  };
}
