// `npm run bench -- [options]`: the app side by side with what it should come close to, path by
// path (pages, webhooks, the emulator, startup, memory, JavaScript per page), on this machine.
// Each load figure is the median of alternating rounds after a warm-up, with the server's CPU
// time per request from /proc (servers run as processes of their own). Prints a Markdown table
// with the ratios and the goals, or JSON. Nothing here passes or fails on a time: the exit code
// is 1 only when a path could not be measured or answered with errors.
//
// `npm run bench:load` (scripts/bench/load.ts) stays a separate tool: it drives one app with a
// mix of every route (pages, API, rate-limited checkouts, forged webhooks) and checks it stays
// correct under that load (no 5xx, memory flat after a full GC), where this compares one path
// at a time against a baseline. Both run on the same launcher and load runner (test-support/).
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { readCommandLine } from './command-line';
import { ensureDevCertificate } from '../../common/dev-certs';
import { loadActiveCatalog } from '../../test-support/catalog';
import { REPO_ROOT } from '../../test-support/tsx-node';
import type { BenchContext, BenchPath } from './context';
import { benchEmulatorPayments } from './emulator-payments';
import { benchJsBytes } from './js-bytes';
import { benchPages } from './pages';
import { formatTable, type BenchRow } from './report';
import { benchStartup } from './startup';
import { benchWebhookFulfilment, benchWebhookIngestion } from './webhooks';

const SECTIONS = {
  pages: benchPages,
  webhooks: benchWebhookIngestion,
  fulfilment: benchWebhookFulfilment,
  emulator: benchEmulatorPayments,
  startup: benchStartup,
  js: benchJsBytes,
} satisfies Record<string, BenchPath>;
type Section = keyof typeof SECTIONS;
const SECTION_NAMES = Object.keys(SECTIONS) as Section[];

export const BUILT_SERVER = path.join(REPO_ROOT, 'dist', 'server', 'main.js');

const HELP = `Usage: npm run bench -- [options]

  --rounds N             measured rounds per side, alternated A,B,A,B (default 5)
  --duration SECONDS     length of each measured run (default 10)
  --warmup SECONDS       one unmeasured run per side first (default 5; 0: none)
  --connections N        concurrent connections for pages and webhooks (default 10)
  --only LIST            comma-separated sections: ${SECTION_NAMES.join(',')} (default all)
  --client-dir DIR       the built client (default dist/client; npm run bench builds it)
  --json                 print the rows as JSON instead of a table
  --cpu-prof DIR         profile the app and emulator processes: DIR/app/ and DIR/emulator/ get a
                         .cpuprofile per process (open in Chrome DevTools); the figures include its cost
`;

const ArgsSchema = z.object({
  rounds: z.coerce.number({ error: '--rounds must be a whole number' }).int().min(1).max(50, '--rounds is at most 50'),
  duration: z.coerce.number({ error: '--duration must be a number of seconds' }).positive().max(600, '--duration is at most 600 s'),
  warmup: z.coerce.number({ error: '--warmup must be a number of seconds' }).min(0).max(120, '--warmup is at most 120 s'),
  connections: z.coerce.number({ error: '--connections must be a whole number' }).int().min(1).max(200, '--connections is at most 200'),
  only: z
    .string()
    .transform((list) => list.split(',').map((name) => name.trim()))
    .pipe(z.array(z.enum(SECTION_NAMES, { error: `--only takes ${SECTION_NAMES.join(', ')}` })).min(1)),
  clientDir: z.string(),
  json: z.boolean(),
  'cpu-prof': z.string().min(1, '--cpu-prof takes a folder').optional(),
});

const args = readCommandLine('npm run bench', HELP, ArgsSchema, {
  rounds: { type: 'string', default: '5' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '5' },
  connections: { type: 'string', default: '10' },
  only: { type: 'string', default: SECTION_NAMES.join(',') },
  'cpu-prof': { type: 'string' },
});
const clientDir = args.clientDir;

const certificate = await ensureDevCertificate();
const context: BenchContext = {
  settings: {
    rounds: args.rounds,
    durationSeconds: args.duration,
    warmupSeconds: args.warmup,
    connections: args.connections,
    ca: certificate.ca,
    clientDir,
  },
  certificate,
  catalog: loadActiveCatalog(),
  builtServer: existsSync(BUILT_SERVER) ? BUILT_SERVER : null,
  log: (message) => process.stderr.write(`${message}\n`),
  profileArgs: (role) => (args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'], role)}`] : []),
};

const rows: BenchRow[] = [];
let failed = false;
for (const section of SECTION_NAMES.filter((name) => args.only.includes(name))) {
  try {
    rows.push(...(await SECTIONS[section](context)));
  } catch (error) {
    failed = true;
    process.stderr.write(
      `\n${section} could not be measured: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
}
failed ||= rows.some((row) => row.failures > 0);

const header = {
  date: new Date().toISOString(),
  cpus: os.availableParallelism(),
  node: process.version,
  rounds: args.rounds,
  durationSeconds: args.duration,
  warmupSeconds: args.warmup,
  connections: args.connections,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify({ ...header, rows }, null, 2)}\n`);
} else {
  process.stdout.write(
    `\n${header.date}, ${header.cpus} CPUs, Node ${header.node}: ${header.rounds} rounds of ${header.durationSeconds} s per side after a ${header.warmupSeconds} s warm-up\n\n${formatTable(rows)}\n`,
  );
}
process.exit(failed ? 1 : 0);
