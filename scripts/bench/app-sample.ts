// One answer of the app, captured before a run: the bytes the baseline then sends (baselines/
// replay.ts), and a check that the app answers the benchmark's request the way it should.
import { httpsRequest } from '../lib/https-client';
import type { CapturedAnswer } from './baselines/replay';

const CSP_NONCE = /'nonce-([A-Za-z0-9+/=]+)'/;

export interface SampleRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends `request` to the app; fails unless it answers `expectStatus`. The CSP's nonce, if any, is noted for replay. */
export async function captureAnswer(appUrl: string, ca: string, request: SampleRequest, expectStatus = 200): Promise<CapturedAnswer> {
  const response = await httpsRequest(new URL(request.path, appUrl), {
    ca,
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const body = response.body.toString('utf8');
  if (response.status !== expectStatus) {
    throw new Error(`${request.method} ${request.path} answered ${response.status}, not ${expectStatus}: ${body.slice(0, 500)}`);
  }
  const nonce = CSP_NONCE.exec(response.headers['content-security-policy'] ?? '')?.[1] ?? null;
  if (nonce !== null && !body.includes(nonce)) throw new Error(`${request.path}: the CSP's nonce is not in the body.`);
  return { status: response.status, headers: response.headers, body, nonce };
}
