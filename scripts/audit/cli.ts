// `npm run audit -- [https-url] [options]`: grade a deployment, print a table, write a JSON
// report, exit 1 when any check fails. Without a URL it audits the local app
// (https://localhost:4242, redirect port 4243, the development CA, the data/ folder).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APPROVED_INVENTORY_FILE, type ScriptInventory } from '../build/script-inventory';
import { DEFAULT_CERT_DIR } from '../../common/dev-certs';
import { loadConfigFromProcess } from '../../server/src/config';
import { addAuditSeller } from './local-seller';
import { GRADED_ROUTES, PAYMENT_PAGES } from './payment-pages';
import { auditPassed, runAudit, type AuditRow } from './run-audit';

const HELP = `Usage: npm run audit -- [https-url] [options]

  --http-port N     plain-HTTP port that must redirect to HTTPS (default 4243 for localhost, else 80)
  --page PATH       a page to grade and check the scripts of (repeatable; default every graded page of
                    common/pages.ts, and the scripts of every payment page, see payment-pages.ts)
  --seller-link URL the one-time link \`npm run seller -- add <email>\` prints: the audit enrols a passkey
                    with it and signs in to grade the seller-only pages (used up; add a seller per run).
                    Needed for a remote URL; for localhost the audit adds a seller itself (audit-…@example.com)
                    as \`npm run seller -- add\` does, with the same .env and DATABASE_URL as the app
  --ca FILE         extra CA certificate to trust (default .certs/dev-ca.pem when it exists)
  --scan PATH       file or folder to scan for card numbers (repeatable; default data/): the SQLite
                    database and the log files; for PostgreSQL a pg_dump file. Scanning nothing fails
  --inventory FILE  the approved script inventory (default security/script-inventory.json)
  --stripe-emulator ORIGIN  in the browser visit, serve Stripe's origins from this emulator
                    (for an app in emulated mode with EMULATOR_ORIGINS=stripe)
  --report FILE     where to write the JSON report (default test-results/audit-report.json)
`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'http-port': { type: 'string' },
    page: { type: 'string', multiple: true },
    'seller-link': { type: 'string' },
    ca: { type: 'string' },
    scan: { type: 'string', multiple: true },
    inventory: { type: 'string' },
    'stripe-emulator': { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean' },
  },
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const baseUrl = new URL(positionals[0] ?? 'https://localhost:4242');
if (baseUrl.protocol !== 'https:') {
  process.stderr.write(`The audit grades HTTPS deployments: ${baseUrl.href} is not https://.\n${HELP}`);
  process.exit(2);
}
const isLocal = ['localhost', '127.0.0.1', '[::1]'].includes(baseUrl.hostname);
const caFile =
  values.ca ?? (isLocal && existsSync(path.join(DEFAULT_CERT_DIR, 'dev-ca.pem')) ? path.join(DEFAULT_CERT_DIR, 'dev-ca.pem') : undefined);

// Node reads NODE_EXTRA_CA_CERTS only at startup, and the Observatory's retriever uses the
// global trust store: start again with it set.
if (caFile && process.env.NODE_EXTRA_CA_CERTS !== path.resolve(caFile)) {
  const rerun = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: path.resolve(caFile) },
  });
  process.exit(rerun.status ?? 1);
}

const rows = await runAudit({
  baseUrl,
  httpPort: values['http-port'] ? Number(values['http-port']) : isLocal ? 4243 : null,
  pages: values.page ?? [...GRADED_ROUTES],
  scriptPages: values.page ?? [...PAYMENT_PAGES],
  sellerEnrolLink: values['seller-link'] ? new URL(values['seller-link']) : undefined,
  addSeller: isLocal ? addLocalSeller : undefined,
  ca: caFile ? readFileSync(caFile, 'utf8') : undefined,
  panScanPaths: values.scan ?? ['data'],
  inventory: readInventory(values.inventory ?? APPROVED_INVENTORY_FILE),
  stripeEmulatorOrigin: values['stripe-emulator'],
});

printTable(rows);
const reportFile = values.report ?? path.join('test-results', 'audit-report.json');
mkdirSync(path.dirname(reportFile), { recursive: true });
writeFileSync(
  reportFile,
  `${JSON.stringify({ target: baseUrl.href, at: new Date().toISOString(), passed: auditPassed(rows), rows }, null, 2)}\n`,
);
console.log(`\nReport: ${reportFile}`);
process.exit(auditPassed(rows) ? 0 : 1);

async function addLocalSeller(): Promise<URL> {
  const seller = await addAuditSeller(baseUrl, loadConfigFromProcess());
  console.log(`Added seller ${seller.email} to grade the seller pages (as \`npm run seller -- add\` does).`);
  return seller.enrolLink;
}

function readInventory(file: string): ScriptInventory {
  if (!existsSync(file)) {
    process.stderr.write(`No approved script inventory at ${file}: run \`npm run inventory:approve\`, review and commit it.\n`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ScriptInventory;
}

function printTable(table: AuditRow[]): void {
  const mark = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;
  const width = (key: 'check' | 'target') => Math.max(...table.map((row) => row[key].length));
  for (const row of table) {
    console.log(`${mark[row.verdict]}  ${row.check.padEnd(width('check'))}  ${row.target.padEnd(width('target'))}  ${row.detail}`);
  }
}
