// `npm run test:chaos -- [--payments N] [--seed S] [--kills K] [--concurrency C] [--rate-limit test|live]`:
// the chaos run at full size (default 10,000 payments, 3 kills); with --rate-limit, under
// Stripe's API rate limits of that mode (paced to the limit: 10,000 payments take about 40
// minutes in test mode). Prints the counts, the time taken and
// every mismatch; exits 1 on any mismatch. DATABASE_URL, when set, names the app's database
// (it must hold no orders); otherwise a temporary SQLite file is used.
import { parseArgs } from 'node:util';
import { runChaos, type ChaosReport } from './run-chaos';

function readOptions() {
  const { values } = parseArgs({
    options: {
      payments: { type: 'string', default: '10000' },
      seed: { type: 'string' },
      kills: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '16' },
      'rate-limit': { type: 'string' },
    },
  });
  const number = (name: string, value: string | undefined, min: number): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new Error(`--${name} must be a whole number of at least ${min}, not ${value}`);
    return parsed;
  };
  const rateLimit = values['rate-limit'];
  if (rateLimit !== undefined && rateLimit !== 'test' && rateLimit !== 'live')
    throw new Error(`--rate-limit must be test or live (Stripe's limits for that mode), not ${rateLimit}`);
  const limited: { rateLimit?: 'test' | 'live' } = rateLimit ? { rateLimit } : {};
  return {
    ...limited,
    payments: number('payments', values.payments, 1),
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', values.seed, 0),
    kills: number('kills', values.kills, 0),
    concurrency: number('concurrency', values.concurrency, 1),
  };
}

function printReport(report: ChaosReport): void {
  const d = report.delivery;
  const rows: [string, string][] = [
    ['seed', String(report.seed)],
    ['payments', String(report.payments)],
    ...Object.entries(report.byOutcome)
      .sort()
      .map(([name, n]): [string, string] => [`  outcome ${name}`, String(n)]),
    ...Object.entries(report.byFlow)
      .sort()
      .map(([name, n]): [string, string] => [`  flow ${name}`, String(n)]),
    ...Object.entries(report.byStatus).map(([name, n]): [string, string] => [`  final ${name}`, String(n)]),
    ['events emitted', String(report.events)],
    ['  withheld (reconciliation only)', String(d.withheld)],
    ['genuine deliveries scheduled', String(d.genuine)],
    ['  of which duplicates', String(d.duplicates)],
    ['  acknowledged 2xx', String(d.acknowledged)],
    ['delivery attempts (all)', String(d.attempts)],
    ['  retried (no answer or 5xx)', String(d.retried)],
    ...Object.entries(d.attacks).map(([kind, a]): [string, string] => [`${kind} refused / sent`, `${a.refused} / ${a.sent}`]),
    ['attack answers', JSON.stringify(d.attackStatuses)],
    ['SIGKILLs', String(report.kills)],
    ['Stripe requests answered 429', String(report.rateLimited)],
    ['startup reconciliations (processed)', report.startupReconciles.map((r) => r.processed).join(', ')],
    ['final npm run reconcile (processed)', String(report.finalReconcile.processed)],
    ['orders in table', String(report.ordersInTable)],
    ['processed events', String(report.processedEvents)],
    ['status transitions (audit trail)', report.transitions === null ? 'no table: not checked' : String(report.transitions)],
    ['elapsed seconds', report.elapsedSeconds.toFixed(1)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n'));
}

async function main(): Promise<number> {
  const options = readOptions();
  const report = await runChaos({
    ...options,
    ...(process.env['DATABASE_URL'] ? { databaseUrl: process.env['DATABASE_URL'] } : {}),
    progress: (line) => console.log(`[chaos] ${line}`),
  });
  printReport(report);
  if (report.mismatches.length === 0) {
    console.log("\nPASS: the order table equals the emulator's truth.");
    return 0;
  }
  console.log(`\nFAIL: ${report.mismatches.length} mismatches (files kept in ${report.dir}):`);
  for (const line of report.mismatches.slice(0, 200)) console.log(`  - ${line}`);
  if (report.mismatches.length > 200) console.log(`  … and ${report.mismatches.length - 200} more`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\nThe chaos run could not finish: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
