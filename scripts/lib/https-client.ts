// HTTPS requests for the audit, the monitor and the benchmark's setup: status, headers (lower-case, joined) and the
// body, trusting an extra CA (the development CA) on top of Node's public roots.
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';

export interface HttpsResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface HttpsOptions {
  ca?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface HttpsRequestOptions extends HttpsOptions {
  method: 'GET' | 'POST' | 'PUT';
  body?: string;
}

export function httpsGet(url: URL, options: HttpsOptions = {}): Promise<HttpsResponse> {
  return httpsRequest(url, { ...options, method: 'GET' });
}

/** POSTs JSON; a non-2xx answer is an error. */
export async function httpsPostJson(url: URL, payload: unknown, options: HttpsOptions = {}): Promise<HttpsResponse> {
  const response = await httpsRequest(url, {
    ...options,
    method: 'POST',
    body: JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...options.headers },
  });
  if (response.status < 200 || response.status > 299) throw new Error(`POST ${url.href} answered ${response.status}`);
  return response;
}

export function httpsRequest(url: URL, options: HttpsRequestOptions): Promise<HttpsResponse> {
  const { method, body } = options;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: options.ca ? [...rootCertificates, options.ca] : undefined,
        timeout: options.timeoutMs ?? 10_000,
        headers: { ...options.headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
