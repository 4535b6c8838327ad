// What the app keeps alive, measured after a full garbage collection: start the app with
// COLLECT_GARBAGE_NODE_ARGS (launchApp's nodeArgs) and collectGarbage() sends it SIGUSR2, which
// collect-garbage-on-signal.ts answers with one JSON line.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { LaunchedApp } from '../app-launcher';
import { REPO_ROOT } from '../tsx-node';
import { readRssBytes } from './rss';

const GC_PRELOAD = pathToFileURL(path.join(REPO_ROOT, 'test-support', 'load', 'collect-garbage-on-signal.ts')).href;
const GC_TIMEOUT_MS = 5_000;

export const COLLECT_GARBAGE_NODE_ARGS = ['--expose-gc', '--import', GC_PRELOAD] as const;

export interface MemoryAfterGc {
  /** The JavaScript heap still in use: what an array kept per request would grow. */
  heapUsed: number;
  /** Memory of C++ objects bound to JavaScript ones (Buffers and the like). */
  external: number;
  arrayBuffers: number;
  /** VmRSS right after the collection (includes memory freed but not yet given back). */
  rss: number;
}

const AfterFullGcSchema = z.object({ heapUsed: z.number(), external: z.number(), arrayBuffers: z.number() });

/** A full GC in the app (started with COLLECT_GARBAGE_NODE_ARGS), then what survived it, in bytes. */
export async function collectGarbage(app: LaunchedApp): Promise<MemoryAfterGc> {
  const from = app.logSize();
  process.kill(app.pid, 'SIGUSR2');
  // The collection runs on the app's event loop: wait for its report.
  const report = await app.waitForLogLine((line) => 'afterFullGc' in line, {
    from,
    timeoutMs: GC_TIMEOUT_MS,
    what: 'a full GC report (start the app with COLLECT_GARBAGE_NODE_ARGS)',
  });
  return { ...AfterFullGcSchema.parse(report['afterFullGc']), rss: readRssBytes(app.pid) };
}
