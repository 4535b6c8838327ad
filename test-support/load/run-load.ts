// Drives load from a separate process: autocannon runs in a child (scripts/bench/
// autocannon-runner.ts), so its own CPU and memory never count as the server's and the
// server sees real loopback connections from another process, as in production.
import { spawn } from 'node:child_process';
import type { Request } from 'autocannon';
import path from 'node:path';
import { z } from 'zod';
import { REPO_ROOT, tsxNodeArgs } from '../tsx-node';
import type { LoadRequest } from './request-mix';

const RUNNER = path.join(REPO_ROOT, 'test-support', 'load', 'autocannon-runner.ts');

export interface LoadOptions {
  url: string;
  /** PEM of the CA that issued the server's certificate. */
  ca: string;
  /** How long to run; or `amount` requests in all, whatever the time (robust to a busy CPU). */
  durationSeconds?: number;
  amount?: number;
  connections: number;
  /** The requests, fixed; or `scenario` for requests built per request (not both). */
  requests?: LoadRequest[];
  scenario?: LoadScenario;
  /** A request without an answer after this long counts as a timeout. */
  timeoutSeconds?: number;
}

/**
 * A module the load generator imports (`module`, an absolute path): its `createRequests(options)`
 * returns autocannon requests whose `setupRequest`/`onResponse` build each request as it goes out
 * (a fresh event id and signature, an id from the previous answer), each with a `name` for the counts.
 * Functions cannot cross the process boundary; a module path and JSON options can.
 */
export interface LoadScenario {
  module: string;
  options: Record<string, unknown>;
}

/** A scenario's request: an autocannon request with a name for the per-route counts. */
export type ScenarioRequest = Request & { name: string };
/** What a scenario module exports. */
export type CreateScenarioRequests = (options: Record<string, unknown>) => ScenarioRequest[];

export const LoadOptionsSchema = z
  .object({
    url: z.string().url(),
    ca: z.string().min(1),
    durationSeconds: z.number().positive().optional(),
    amount: z.number().int().positive().optional(),
    connections: z.number().int().positive(),
    requests: z
      .array(
        z.object({
          name: z.string(),
          method: z.enum(['GET', 'POST']),
          path: z.string().startsWith('/'),
          headers: z.record(z.string(), z.string()).optional(),
          body: z.string().optional(),
        }),
      )
      .min(1)
      .optional(),
    scenario: z.object({ module: z.string().min(1), options: z.record(z.string(), z.unknown()) }).optional(),
    timeoutSeconds: z.number().positive().optional(),
  })
  .refine((options) => (options.durationSeconds === undefined) !== (options.amount === undefined), 'Give either durationSeconds or amount.')
  .refine((options) => (options.requests === undefined) !== (options.scenario === undefined), 'Give either requests or a scenario.');

/** One answer kept as evidence (the first of its status), headers lower-cased. */
export const SampleResponseSchema = z.object({
  request: z.string(),
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
});
export type SampleResponse = z.infer<typeof SampleResponseSchema>;

export const LoadSummarySchema = z.object({
  durationSeconds: z.number(),
  totalRequests: z.number().int(),
  requestsPerSecond: z.number(),
  latencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  /** Answers per status class; `429` is also counted in `4xx`. */
  statusClasses: z.object({
    '2xx': z.number().int(),
    '3xx': z.number().int(),
    '4xx': z.number().int(),
    '429': z.number().int(),
    '5xx': z.number().int(),
  }),
  statusCodes: z.record(z.string(), z.number().int()),
  /** Per route name of the request mix: status code -> count. */
  byRequest: z.record(z.string(), z.record(z.string(), z.number().int())),
  /** Connection errors (refused, reset, TLS) and timeouts, as autocannon counts them. */
  errors: z.number().int(),
  timeouts: z.number().int(),
  resets: z.number().int(),
  firstResponseByStatus: z.record(z.string(), SampleResponseSchema),
});
export type LoadSummary = z.infer<typeof LoadSummarySchema>;

/** Runs one bounded load in a child process and returns what it measured. */
export function runLoad(options: LoadOptions): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxNodeArgs(RUNNER), {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`The load generator exited with ${code}:\n${stderr.slice(-4_000)}`));
        return;
      }
      try {
        resolve(LoadSummarySchema.parse(JSON.parse(stdout)));
      } catch (error) {
        reject(new Error(`The load generator printed no summary: ${String(error)}\n${stderr.slice(-4_000)}`));
      }
    });
    child.stdin.end(JSON.stringify(LoadOptionsSchema.parse(options)));
  });
}
