// What every benchmark path shares: the server's CPU time from /proc, load runs that read it
// around themselves, sides alternated round by round, and medians.
//
// CPU time per request is the steadier figure on a shared machine: requests/s drops when
// another process takes a core, while the CPU the server spends on each request barely moves.
// It is read from /proc/<pid>/stat (utime + stime, in clock ticks), which is why every server
// measured here is a process of its own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runLoad } from '../../test-support/load/run-load';
import type { LoadOptions, LoadSummary, SampleResponse } from '../../test-support/load/run-load';

const CLOCK_TICKS_PER_SECOND = readClockTicks();
const IDLE_POLL_MS = 250;
const IDLE_TIMEOUT_MS = 15_000;
/** A server using less than this share of one core counts as idle. */
const IDLE_SHARE = 0.05;

function readClockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100; // Linux's USER_HZ on every common architecture
  }
}

/** User + system CPU time the process has used so far, in microseconds. */
export function readCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count from the ')' that closes it. Field 3
  // (state) comes first, so utime (field 14) and stime (15) are at 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`Cannot read the CPU time of process ${pid} from /proc/${pid}/stat.`);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

/** Waits until the process is idle (work left from a run, e.g. queued webhook deliveries, is done). */
export async function waitUntilIdle(pids: readonly number[]): Promise<void> {
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  for (;;) {
    const before = pids.map(readCpuMicros);
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
    const busiest = Math.max(...pids.map((pid, index) => readCpuMicros(pid) - (before[index] ?? 0)));
    if (busiest < IDLE_POLL_MS * 1000 * IDLE_SHARE || Date.now() > deadline) return;
  }
}

/** One measured load run against one server. */
export interface RunFigures {
  requestsPerSecond: number;
  p99Ms: number;
  /** What the run counts as done (2xx answers, or e.g. completed payments), per second. */
  unitsPerSecond: number;
  /** The server's CPU time over the run divided by the units done. */
  cpuMicrosPerUnit: number;
  /** Answers that were not 2xx, and connection errors (timeouts among them): any is a broken run. */
  failures: number;
  /** What those failures were, to look into. */
  evidence: FailureEvidence;
}

/** A run's failures: the count and first answer of each status that is not 2xx, and the connection errors. */
export interface FailureEvidence {
  statusCodes: Record<string, number>;
  firstAnswers: SampleResponse[];
  /** autocannon counts a timeout as an error too. */
  errors: number;
  timeouts: number;
}

const isSuccess = (status: number) => status >= 200 && status < 300;

/** Answers that were not 2xx, and connection errors: autocannon counts each timeout among its errors already. */
export function countFailures(summary: LoadSummary): number {
  return summary.totalRequests - summary.statusClasses['2xx'] + summary.errors;
}

export function failureEvidence(summary: LoadSummary): FailureEvidence {
  return {
    statusCodes: Object.fromEntries(Object.entries(summary.statusCodes).filter(([status]) => !isSuccess(Number(status)))),
    firstAnswers: Object.values(summary.firstResponseByStatus).filter((answer) => !isSuccess(answer.status)),
    errors: summary.errors,
    timeouts: summary.timeouts,
  };
}

/** The runs' evidence together: counts summed, the first answer of each status kept. */
export function mergeEvidence(all: readonly FailureEvidence[]): FailureEvidence {
  const statusCodes: Record<string, number> = {};
  const firstAnswers = new Map<number, SampleResponse>();
  for (const evidence of all) {
    for (const [status, count] of Object.entries(evidence.statusCodes)) statusCodes[status] = (statusCodes[status] ?? 0) + count;
    for (const answer of evidence.firstAnswers) if (!firstAnswers.has(answer.status)) firstAnswers.set(answer.status, answer);
  }
  return {
    statusCodes,
    firstAnswers: [...firstAnswers.values()],
    errors: all.reduce((sum, evidence) => sum + evidence.errors, 0),
    timeouts: all.reduce((sum, evidence) => sum + evidence.timeouts, 0),
  };
}

/** One line per kind of failure, for the bench's log. */
export function describeFailures(evidence: FailureEvidence): string[] {
  return [
    ...evidence.firstAnswers.map(
      (answer) =>
        `${evidence.statusCodes[answer.status] ?? 0} × ${answer.status} (${answer.request}), the first: ${answer.body.slice(0, 300)}`,
    ),
    ...(evidence.errors > 0 ? [`${evidence.errors} connection errors, ${evidence.timeouts} of them timeouts`] : []),
  ];
}

export interface MeasuredServer {
  /** The processes whose CPU time counts. */
  pids: readonly number[];
  /** Processes that must be idle before a run (default `pids`): also those the server's work reaches. */
  settlePids?: readonly number[];
  url: string;
}

export interface LoadRun extends Omit<LoadOptions, 'url' | 'durationSeconds' | 'amount'> {
  /** The units a run completes (default every 2xx answer), for unitsPerSecond. */
  countUnits?: (summary: LoadSummary) => number;
}

/** Runs `load` against `server` for `durationSeconds` and reads its CPU time around the run. */
export async function measureRun(server: MeasuredServer, load: LoadRun, durationSeconds: number): Promise<RunFigures> {
  await waitUntilIdle(server.settlePids ?? server.pids);
  const cpuBefore = server.pids.map(readCpuMicros);
  const { countUnits, ...options } = load;
  const summary = await runLoad({ ...options, url: server.url, durationSeconds });
  const cpuMicros = server.pids.reduce((sum, pid, index) => sum + readCpuMicros(pid) - (cpuBefore[index] ?? 0), 0);
  const units = countUnits ? countUnits(summary) : summary.statusClasses['2xx'];
  return {
    requestsPerSecond: summary.requestsPerSecond,
    p99Ms: summary.latencyMs.p99,
    unitsPerSecond: Math.round(units / summary.durationSeconds),
    cpuMicrosPerUnit: units > 0 ? Math.round(cpuMicros / units) : Number.NaN,
    failures: countFailures(summary),
    evidence: failureEvidence(summary),
  };
}

export interface Side<T> {
  name: string;
  run(): Promise<T>;
}

/**
 * Runs each side once per round, alternating A, B, A, B…, so a neighbour's burst on the shared
 * machine falls on both sides rather than on one. Returns each side's results by name.
 */
export async function alternate<T>(rounds: number, sides: readonly Side<T>[]): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(sides.map((side) => [side.name, [] as T[]]));
  for (let round = 0; round < rounds; round++) {
    for (const side of sides) results[side.name]?.push(await side.run());
  }
  return results;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The median of every figure over the runs; failures are summed (one broken run is reported). */
export function medianFigures(runs: readonly RunFigures[]): RunFigures {
  const of = (pick: (run: RunFigures) => number) => median(runs.map(pick));
  return {
    requestsPerSecond: Math.round(of((run) => run.requestsPerSecond)),
    p99Ms: of((run) => run.p99Ms),
    unitsPerSecond: Math.round(of((run) => run.unitsPerSecond)),
    cpuMicrosPerUnit: Math.round(of((run) => run.cpuMicrosPerUnit)),
    failures: runs.reduce((sum, run) => sum + run.failures, 0),
    evidence: mergeEvidence(runs.map((run) => run.evidence)),
  };
}

/** Bench settings every path reads (from the command line). */
export interface BenchSettings {
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  ca: string;
  clientDir: string;
}

/** A warm-up run per side (not measured: JIT, connection pools, SQLite's page cache), then alternating rounds. */
export async function compareSides<Name extends string>(
  settings: BenchSettings,
  sides: readonly { name: Name; server: MeasuredServer; load: LoadRun }[],
): Promise<Record<Name, RunFigures>> {
  if (settings.warmupSeconds > 0) for (const side of sides) await measureRun(side.server, side.load, settings.warmupSeconds);
  const results = await alternate(
    settings.rounds,
    sides.map((side) => ({ name: side.name, run: () => measureRun(side.server, side.load, settings.durationSeconds) })),
  );
  return Object.fromEntries(Object.entries(results).map(([name, runs]) => [name, medianFigures(runs)])) as Record<Name, RunFigures>;
}
