// A tiny HTTPS client for tests that trusts the development CA (global fetch cannot
// take a CA without an extra package). An http:// URL goes over plain HTTP (an app behind a proxy).
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface TestRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  ca: string;
}

export function httpsRequest(url: string, options: TestRequestOptions): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('http:') ? http : https;
    const req = client.request(url, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
