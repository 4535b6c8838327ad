// `npm run bench` once at its smallest (one round of one second, no warm-up, pages only), so the
// tool cannot rot: it starts the app and its baseline, drives both, and prints a row whose
// figures are numbers. No figure is judged: timings on a shared machine are not a test.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixtureClientDir } from '../../test-support/fixture-client';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';
import type { BenchRow, Figure } from '../bench/report';

const run = promisify(execFile);

const LOAD_FIGURE = {
  value: expect.any(Number),
  unit: 'req/s',
  p99Ms: expect.any(Number),
  cpuMicrosPerUnit: expect.any(Number),
} satisfies Record<keyof Omit<Figure, 'detail'>, unknown>;

describe('npm run bench', () => {
  it(
    'measures the page path against its baseline, prints the row as JSON and profiles the app with --cpu-prof',
    { timeout: 120_000 },
    async () => {
      const profiles = mkdtempSync(path.join(os.tmpdir(), 'sss-bench-prof-'));
      const args = ['--rounds', '1', '--duration', '1', '--warmup', '0', '--only', 'pages', '--json', '--client-dir', fixtureClientDir()];
      args.push('--cpu-prof', profiles);
      const { stdout } = await run(process.execPath, [...tsxNodeArgs('scripts/bench/cli.ts'), ...args], {
        cwd: REPO_ROOT,
        env: { PATH: process.env['PATH'] ?? '' },
      });
      const report = JSON.parse(stdout) as { rounds: number; durationSeconds: number; cpus: number; rows: BenchRow[] };
      expect(report).toMatchObject({ rounds: 1, durationSeconds: 1, cpus: expect.any(Number) });
      expect(report.rows).toHaveLength(1);
      const [row] = report.rows;
      expect(row).toEqual({
        section: 'pages',
        path: expect.stringContaining('GET /payment'),
        app: LOAD_FIGURE,
        baseline: LOAD_FIGURE,
        ratio: expect.any(Number),
        goal: expect.any(String),
        met: expect.any(Boolean),
        failures: 0,
      });
      for (const figure of [row?.app, row?.baseline]) {
        expect(figure?.value).toBeGreaterThan(0);
        expect(figure?.cpuMicrosPerUnit).toBeGreaterThan(0);
      }
      // V8 profiles of the app process, written when it stopped (tsx's loader thread writes one too).
      const written = readdirSync(path.join(profiles, 'app'));
      expect(written.length).toBeGreaterThan(0);
      for (const file of written) expect(JSON.parse(readFileSync(path.join(profiles, 'app', file), 'utf8'))).toHaveProperty('nodes');
      rmSync(profiles, { recursive: true, force: true });
    },
  );
});
