// Starts a baseline server (scripts/bench/baselines/) as a process of its own, the way the built
// app runs: bundled once by esbuild into one JavaScript file and started on plain Node, so its
// startup time and memory are bare Node's, not tsx's. Started through the app launcher's
// spawnScript (the one way the bench starts a process), on a free port (child-server.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { createTlsOptions } from '../../server/src/security/tls';
import { startChildServer, type ChildServer } from './child-server';

export type BaselineName = 'pages' | 'webhooks';

export type Baseline = ChildServer;

export interface BaselineOptions {
  cert: string;
  key: string;
  ca: string;
  /** Variables of the baseline (BASELINE_PATH, BASELINE_ANSWER, …; see its file). */
  env: Record<string, string>;
  healthPollMs?: number;
}

const bundles = new Map<BaselineName, Promise<string>>();
const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'sss-bench-'));
process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));

/** The baseline's one-file bundle (built once per bench run). */
function bundle(name: BaselineName): Promise<string> {
  let built = bundles.get(name);
  if (!built) {
    const outfile = path.join(bundleDir, `${name}.mjs`);
    built = build({
      entryPoints: [path.join(REPO_ROOT, 'scripts', 'bench', 'baselines', `${name}.ts`)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Packages published as CommonJS call require(); an ES module bundle has none of its own.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'error',
    }).then(() => outfile);
    bundles.set(name, built);
  }
  return built;
}

export async function startBaseline(name: BaselineName, options: BaselineOptions): Promise<Baseline> {
  const script = await bundle(name);
  const tls = JSON.stringify(createTlsOptions(options));
  return startChildServer({
    script,
    env: (port) => ({ ...options.env, BASELINE_PORT: String(port), BASELINE_TLS: tls }),
    healthPath: '/healthz',
    ca: options.ca,
    healthPollMs: options.healthPollMs,
    stopTimeoutMs: 5_000,
  });
}
