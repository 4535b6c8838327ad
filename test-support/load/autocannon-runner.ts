// The load generator's own process (started by run-load.ts): reads LoadOptions as JSON on
// stdin, runs autocannon against the app, writes a LoadSummary as JSON on stdout.
import { text } from 'node:stream/consumers';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { CreateScenarioRequests, LoadSummary, SampleResponse, ScenarioRequest } from './run-load';
import { LoadOptionsSchema } from './run-load';

const options = LoadOptionsSchema.parse(JSON.parse(await text(process.stdin)));
const byRequest: LoadSummary['byRequest'] = {};
const firstResponseByStatus: Record<string, SampleResponse> = {};

const result = await autocannon({
  url: options.url,
  connections: options.connections,
  ...(options.amount === undefined ? { duration: options.durationSeconds } : { amount: options.amount }),
  timeout: options.timeoutSeconds ?? 10,
  // autocannon itself never verifies certificates (it connects with rejectUnauthorized:
  // false); the CA is passed for completeness, and the callers' own probes do verify.
  tlsOptions: { ca: options.ca },
  requests: (await loadRequests()).map(({ name, onResponse, ...request }) => ({
    ...request,
    onResponse: (status, body, context, headers) => {
      onResponse?.(status, body, context, headers);
      const counts = (byRequest[name] ??= {});
      counts[status] = (counts[status] ?? 0) + 1;
      firstResponseByStatus[status] ??= {
        request: name,
        status,
        headers: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), String(value)])),
        body,
      };
    },
  })),
});

async function loadRequests(): Promise<ScenarioRequest[]> {
  if (options.requests) return options.requests;
  const scenario = options.scenario;
  if (!scenario) throw new Error('Give either requests or a scenario.');
  const loaded = (await import(pathToFileURL(scenario.module).href)) as { createRequests?: CreateScenarioRequests };
  if (typeof loaded.createRequests !== 'function') throw new Error(`${scenario.module} exports no createRequests(options).`);
  return loaded.createRequests(scenario.options);
}

const statusCodes: Record<string, number> = Object.fromEntries(
  Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
);
const countClass = (test: (code: number) => boolean) =>
  Object.entries(statusCodes).reduce((sum, [code, count]) => (test(Number(code)) ? sum + count : sum), 0);
const summary: LoadSummary = {
  durationSeconds: result.duration,
  totalRequests: countClass(() => true),
  // Over the whole run (autocannon's own average is per whole second, skewed by a short run).
  requestsPerSecond: Math.round(countClass(() => true) / result.duration),
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  statusClasses: {
    '2xx': countClass((code) => code >= 200 && code < 300),
    '3xx': countClass((code) => code >= 300 && code < 400),
    '4xx': countClass((code) => code >= 400 && code < 500),
    '429': countClass((code) => code === 429),
    '5xx': countClass((code) => code >= 500),
  },
  statusCodes,
  byRequest,
  errors: result.errors,
  timeouts: result.timeouts,
  resets: result.resets,
  firstResponseByStatus,
};
process.stdout.write(JSON.stringify(summary));
