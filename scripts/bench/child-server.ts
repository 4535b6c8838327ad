// A server the bench starts as a process of its own (a baseline, the emulator): spawned through
// the app launcher's spawnScript on a free port, awaited until its health URL answers 200, and
// killed at once if it never does, so a failed start leaves no process behind.
import { findFreePort, waitForHealthy } from '../../test-support/app-health';
import { spawnScript, type ScriptProcess } from '../../test-support/app-launcher';

export interface ChildServer {
  url: string;
  pid: number;
  process: ScriptProcess;
  /** Milliseconds from spawning to the first 200 from the health URL. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  script: string;
  nodeArgs?: readonly string[];
  /** The process's variables, given its port. */
  env(port: number): Record<string, string>;
  /** The path that answers 200 once it listens. */
  healthPath: string;
  ca: string;
  healthPollMs?: number;
  stopTimeoutMs: number;
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const port = await findFreePort();
  const url = `https://localhost:${port}`;
  const spawnedAt = performance.now();
  const child = spawnScript({ script: options.script, env: options.env(port), nodeArgs: options.nodeArgs });
  try {
    await waitForHealthy(`${url}${options.healthPath}`, {
      ca: options.ca,
      hasExited: child.hasExited,
      output: () => child.tail(),
      intervalMs: options.healthPollMs,
    });
  } catch (error) {
    await child.kill();
    child.remove();
    throw error;
  }
  return {
    url,
    pid: child.pid,
    process: child,
    startupMs: performance.now() - spawnedAt,
    stop: async () => {
      await child.stop(options.stopTimeoutMs);
      child.remove();
    },
  };
}
