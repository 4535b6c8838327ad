// Resident memory of another process, from /proc/<pid>/status (Linux): what the kernel
// charges the server, heap and native buffers (TLS, SQLite) alike, without touching it.
import { readFileSync } from 'node:fs';

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line: is the process still running?`);
  return Number(kb) * 1024;
}

export interface RssSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  bytes: number;
}

export interface RssSampler {
  samples: RssSample[];
  /** The samples taken between two times (ms since the start), for per-phase figures. */
  between(fromMs: number, toMs: number): RssSample[];
  elapsedMs(): number;
  stop(): void;
}

/** Samples every `intervalMs` until stopped or the process is gone. */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  const started = Date.now();
  const samples: RssSample[] = [];
  const take = () => {
    try {
      samples.push({ atMs: Date.now() - started, bytes: readRssBytes(pid) });
    } catch {
      clearInterval(timer); // The process exited.
    }
  };
  const timer = setInterval(take, intervalMs);
  take();
  return {
    samples,
    between: (fromMs, toMs) => samples.filter((sample) => sample.atMs >= fromMs && sample.atMs <= toMs),
    elapsedMs: () => Date.now() - started,
    stop: () => clearInterval(timer),
  };
}

/** The median of a phase's samples: one GC just before or after a sample does not move it. */
export function medianBytes(samples: RssSample[]): number {
  if (samples.length === 0) throw new Error('No RSS samples in this phase: make the phase longer than the sampling interval.');
  const sorted = samples.map((sample) => sample.bytes).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
