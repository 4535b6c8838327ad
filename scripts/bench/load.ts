// `npm run bench:load -- [options]`: a bounded load test of the real server. Starts the app
// (emulated mode, the production client build, a throwaway SQLite file) as its own process,
// drives it from another process with autocannon over HTTPS on loopback with a mix of pages,
// API calls, checkout creation and forged webhooks, samples the app's RSS from /proc, and
// prints throughput, latency, answers by status and memory. Exits 1 on any 5xx, connection
// error or timeout, or if the app is not healthy afterwards or does not stop cleanly.
import { z } from 'zod';
import { readCommandLine } from './command-line';
import { ensureDevCertificate } from '../../common/dev-certs';
import { probeStatus } from '../../test-support/app-health';
import { launchApp } from '../../test-support/app-launcher';
import { COLLECT_GARBAGE_NODE_ARGS, collectGarbage } from '../../test-support/load/memory-after-gc';
import type { MemoryAfterGc } from '../../test-support/load/memory-after-gc';
import { createRequestMix } from '../../test-support/load/request-mix';
import { runLoad } from '../../test-support/load/run-load';
import type { LoadSummary } from '../../test-support/load/run-load';
import { formatMegabytes, medianBytes, readRssBytes, sampleRss } from '../../test-support/load/rss';
import { loadActiveCatalog } from '../../test-support/catalog';

const HELP = `Usage: npm run bench:load -- [options]

  --duration SECONDS     length of the measured run (default 20)
  --warmup SECONDS       load before it, not measured (default 5)
  --connections N        concurrent connections (default 10)
  --client-dir DIR       the built client to serve (default dist/client; npm run bench:load builds it)
  --json                 print the results as JSON instead of a table
`;

const ArgsSchema = z.object({
  duration: z.coerce.number({ error: '--duration must be a number of seconds' }).positive().max(600, '--duration is at most 600 s'),
  warmup: z.coerce.number({ error: '--warmup must be a number of seconds' }).positive().max(120, '--warmup is at most 120 s'),
  connections: z.coerce.number({ error: '--connections must be a whole number' }).int().min(1).max(200, '--connections is at most 200'),
  clientDir: z.string(),
  json: z.boolean(),
});

const args = readCommandLine('npm run bench:load', HELP, ArgsSchema, {
  duration: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '5' },
  connections: { type: 'string', default: '10' },
});
const clientDir = args.clientDir;

const { ca } = await ensureDevCertificate();
const app = await launchApp({ clientDistDir: clientDir, nodeArgs: COLLECT_GARBAGE_NODE_ARGS, ca });
const sampler = sampleRss(app.pid, 100);
const requests = createRequestMix(app.url, loadActiveCatalog());
let failed = false;
try {
  const rssAtStart = readRssBytes(app.pid);
  const warmUpStart = sampler.elapsedMs();
  const warmUp = await runLoad({ url: app.url, ca, durationSeconds: args.warmup, connections: args.connections, requests });
  const warmUpEnd = sampler.elapsedMs();
  const afterWarmUp = await collectGarbage(app);
  const runStart = sampler.elapsedMs();
  const run = await runLoad({ url: app.url, ca, durationSeconds: args.duration, connections: args.connections, requests });
  const runEnd = sampler.elapsedMs();
  const afterRun = await collectGarbage(app);
  sampler.stop();
  const healthAfter = (await probeStatus(`${app.url}/healthz`, ca, 5_000)) ?? 0;

  const rss = {
    start: rssAtStart,
    warmUpMedian: medianBytes(sampler.between(warmUpStart, warmUpEnd)),
    runMedian: medianBytes(sampler.between(runStart, runEnd)),
    end: sampler.samples.at(-1)?.bytes ?? 0,
    peak: Math.max(...sampler.samples.map((sample) => sample.bytes)),
  };
  const results = {
    url: app.url,
    connections: args.connections,
    warmUpSeconds: args.warmup,
    warmUp,
    run,
    rss,
    afterWarmUp,
    afterRun,
    healthAfter,
  };
  if (args.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else printReport(results);

  const problems = [
    ...[
      ['warm-up', warmUp],
      ['run', run],
    ].flatMap(([label, summary]) => describeProblems(label as string, summary as LoadSummary)),
    ...(healthAfter === 200 ? [] : [`/healthz answered ${healthAfter || 'nothing'} after the load`]),
  ];
  if (problems.length > 0) {
    failed = true;
    console.error(`\nFAILED:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
} catch (error) {
  failed = true;
  console.error(`\nThe load test could not run: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  sampler.stop();
  const exit = await app.stop();
  if (exit.code !== 0) {
    failed = true;
    console.error(`The app did not stop cleanly on SIGTERM (${exit.code ?? exit.signal}). Its last lines:\n${app.output().slice(-2_000)}`);
  }
  app.remove();
}
process.exit(failed ? 1 : 0);

function describeProblems(label: string, summary: LoadSummary): string[] {
  return [
    ...(summary.statusClasses['5xx'] > 0 ? [`${label}: ${summary.statusClasses['5xx']} answers were 5xx`] : []),
    ...(summary.errors > 0 ? [`${label}: ${summary.errors} connection errors`] : []),
    ...(summary.timeouts > 0 ? [`${label}: ${summary.timeouts} timeouts`] : []),
  ];
}

function printReport(results: {
  url: string;
  connections: number;
  warmUpSeconds: number;
  run: LoadSummary;
  rss: Record<'start' | 'warmUpMedian' | 'runMedian' | 'end' | 'peak', number>;
  afterWarmUp: MemoryAfterGc;
  afterRun: MemoryAfterGc;
  healthAfter: number;
}) {
  const { run, rss, afterWarmUp, afterRun } = results;
  const classes = run.statusClasses;
  const heap = (m: MemoryAfterGc) => formatMegabytes(m.heapUsed + m.external);
  const lines = [
    '',
    `Load test of ${results.url}: ${results.connections} connections, ${run.durationSeconds} s measured after a ${results.warmUpSeconds} s warm-up`,
    '',
    `  requests/s          ${run.requestsPerSecond} (${run.totalRequests} answers)`,
    `  latency             p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, max ${run.latencyMs.max} ms`,
    `  answers             2xx ${classes['2xx']}, 3xx ${classes['3xx']}, 4xx ${classes['4xx']} (of which 429: ${classes['429']}), 5xx ${classes['5xx']}`,
    `  connection errors   ${run.errors} errors, ${run.timeouts} timeouts`,
    `  app RSS (sampled)   start ${formatMegabytes(rss.start)}, warm-up median ${formatMegabytes(rss.warmUpMedian)}, ` +
      `run median ${formatMegabytes(rss.runMedian)}, end ${formatMegabytes(rss.end)}, peak ${formatMegabytes(rss.peak)}`,
    `  after a full GC     heap+external ${heap(afterWarmUp)} -> ${heap(afterRun)}, RSS ${formatMegabytes(afterWarmUp.rss)} -> ${formatMegabytes(afterRun.rss)} (after warm-up -> after run)`,
    `  /healthz after      ${results.healthAfter}`,
    '',
    '  per route (status: count)',
    ...Object.entries(run.byRequest).map(
      ([name, counts]) =>
        `    ${name.padEnd(36)} ${Object.entries(counts)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', ')}`,
    ),
    '',
  ];
  console.log(lines.join('\n'));
}
