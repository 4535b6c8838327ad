// HTTPS requests for the audit and the monitor: status, headers (lower-case, joined) and the
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
}

export function httpsGet(url: URL, options: HttpsOptions = {}): Promise<HttpsResponse> {
  return send(url, 'GET', undefined, options);
}

/** POSTs JSON; a non-2xx answer is an error. */
export async function httpsPostJson(url: URL, payload: unknown, options: HttpsOptions = {}): Promise<HttpsResponse> {
  const response = await send(url, 'POST', JSON.stringify(payload), options);
  if (response.status < 200 || response.status > 299) throw new Error(`POST ${url.href} answered ${response.status}`);
  return response;
}

function send(url: URL, method: 'GET' | 'POST', body: string | undefined, options: HttpsOptions): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: options.ca ? [...rootCertificates, options.ca] : undefined,
        timeout: options.timeoutMs ?? 10_000,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
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
