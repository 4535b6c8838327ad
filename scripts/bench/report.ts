// The bench's results: one row per measured path (the app beside what it is compared with, the
// ratio and the goal), printed as a Markdown table (README's "Performance" section is one) or
// as JSON.
import type { RunFigures } from './measure';

/** One side's figure: the headline value, and for load runs the p99 latency and CPU per unit. */
export interface Figure {
  value: number;
  unit: string;
  p99Ms: number | null;
  cpuMicrosPerUnit: number | null;
  /** Further figures, shown after the value (e.g. the same bytes raw and with brotli). */
  detail?: string;
}

export interface BenchRow {
  /** The --only section it belongs to. */
  section: string;
  path: string;
  app: Figure;
  /** What the app is compared with (bare node:https doing the same work, or the emulator without an endpoint); null: an absolute goal only. */
  baseline: Figure | null;
  /** app / baseline. */
  ratio: number | null;
  goal: string;
  met: boolean;
  /** Answers that were not 2xx, connection errors and timeouts over all measured runs (0 for a sound run). */
  failures: number;
}

export function loadFigure(figures: RunFigures, unit: string): Figure {
  return { value: figures.unitsPerSecond, unit, p99Ms: figures.p99Ms, cpuMicrosPerUnit: figures.cpuMicrosPerUnit };
}

export function plainFigure(value: number, unit: string): Figure {
  return { value, unit, p99Ms: null, cpuMicrosPerUnit: null };
}

export function ratioOf(app: Figure, baseline: Figure | null): number | null {
  return baseline && baseline.value > 0 ? Math.round((app.value / baseline.value) * 100) / 100 : null;
}

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function formatFigure(figure: Figure | null, cpuUnit: string): string {
  if (!figure) return '';
  return [
    `${number.format(figure.value)} ${figure.unit}`,
    ...(figure.detail ? [figure.detail] : []),
    ...(figure.p99Ms === null ? [] : [`p99 ${number.format(figure.p99Ms)} ms`]),
    ...(figure.cpuMicrosPerUnit === null ? [] : [`${number.format(figure.cpuMicrosPerUnit)} µs CPU/${cpuUnit}`]),
  ].join(', ');
}

/** The per-unit name in "µs CPU/…": the unit without "/s". */
const cpuUnitOf = (figure: Figure) => figure.unit.replace(/\/s$/, '').replace(/s$/, '');

export function formatTable(rows: readonly BenchRow[]): string {
  const lines = [
    '| path | app | compared with | ratio | goal | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((row) =>
      [
        row.path,
        formatFigure(row.app, cpuUnitOf(row.app)),
        formatFigure(row.baseline, cpuUnitOf(row.app)),
        row.ratio === null ? '' : `${row.ratio}×`,
        row.goal,
        `${row.met ? 'yes' : 'no'}${row.failures > 0 ? ` (${row.failures} failed answers)` : ''}`,
      ].join(' | '),
    ),
  ];
  return lines.map((line) => (line.startsWith('|') ? line : `| ${line} |`)).join('\n');
}
