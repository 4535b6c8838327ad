// The sender of scripts/bench/webhooks.ts, in its own process so its CPU never counts as the
// app's: reads { url, ca, secret, connections, payloads } as JSON on stdin, POSTs each payload
// once, signed just before it is sent (the app refuses a timestamp older than its tolerance),
// over `connections` keep-alive connections, and writes what it measured as JSON on stdout.
import { createHmac } from 'node:crypto';
import https from 'node:https';
import { text } from 'node:stream/consumers';
import { z } from 'zod';

const InputSchema = z.object({
  url: z.string().url(),
  ca: z.string().min(1),
  secret: z.string().startsWith('whsec_'),
  connections: z.number().int().positive(),
  payloads: z.array(z.string()).min(1),
});

export interface SenderSummary {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
}

const input = InputSchema.parse(JSON.parse(await text(process.stdin)));
const target = new URL(input.url);
const agent = new https.Agent({ keepAlive: true, maxSockets: input.connections, ca: input.ca });
const latencies: number[] = [];
const statuses: Record<string, number> = {};

function post(payload: string): Promise<number> {
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', input.secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return new Promise((resolve, reject) => {
    const request = https.request(target, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        'stripe-signature': `t=${t},v1=${signature}`,
      },
    });
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

let next = 0;
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: input.connections }, async () => {
    for (let index = next++; index < input.payloads.length; index = next++) {
      const sent = process.hrtime.bigint();
      const status = await post(input.payloads[index] ?? '');
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
const summary: SenderSummary = {
  events: latencies.length,
  seconds,
  eventsPerSecond: Math.round(latencies.length / seconds),
  p50Ms: Number(at(0.5).toFixed(1)),
  p99Ms: Number(at(0.99).toFixed(1)),
  statuses,
};
process.stdout.write(JSON.stringify(summary));
