// `npm run lab [-- <command>]`: the workshop lab.
//   (none) / start  build, then start the shop in lab mode on https://localhost:<PORT or 4242>, with
//                   the panel at /lab; `npm run attack -- <name>` attacks it from another terminal.
//   verify          start a lab of its own on free ports, run every attack with its control off
//                   (it must succeed) and on (it must fail), print the table; exit 1 unless all show both.
//   doctor          is this laptop ready (Node, ports, the trusted development CA, a browser, SQLite)? exit 1 if not
//   reset           back to the start: removes the lab's state folder (data/lab), not the certificate
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, rmSync, watchFile, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEFAULTS, loadConfigFromProcess } from '../../server/src/config';
import { hasFailure, renderChecklist } from '../doctor/checklist';
import { LAB_ATTACKS } from './attacks/index';
import { defaultLabDoctorOptions, runLabDoctor } from './doctor';
import { launchLab } from './launch';
import { resetLab } from './reset';
import { LAB_DIR, REPO_ROOT, TARGET_FILE } from './target';
import { formatVerifyTable, verifyLab } from './verify';

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

/** One entry per subcommand: `doctor` and `reset` are wired in by their own modules (scripts/lab/doctor.ts, reset.ts). */
const COMMANDS: Record<string, Command> = {
  start: { summary: 'build and start the lab (the default)', run: () => start() },
  verify: { summary: 'run every attack with its control off and on; exit 1 unless each shows both', run: () => verify() },
  doctor: { summary: 'check this laptop is ready for the workshop', run: () => doctor() },
  reset: { summary: "put this laptop's lab back to its first state (keeps the certificate)", run: () => reset() },
};

async function doctor(): Promise<number> {
  const lines = await runLabDoctor(defaultLabDoctorOptions());
  process.stdout.write(renderChecklist(lines));
  return hasFailure(lines) ? 1 : 0;
}

async function reset(): Promise<number> {
  const outcome = await resetLab({ stateDir: LAB_DIR, port: labPort() });
  (outcome.ok ? process.stdout : process.stderr).write(`${outcome.message}\n`);
  return outcome.ok ? 0 : 1;
}

/** The lab's HTTPS port as configured; the default when the configuration does not load (reset must still work). */
function labPort(): number {
  try {
    return loadConfigFromProcess().port;
  } catch {
    return DEFAULTS.port;
  }
}

function build(): void {
  const npm = process.env['npm_execpath'];
  const [command, ...args] = npm
    ? [process.execPath, npm, 'run', 'build']
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', 'run', 'build'];
  const result = spawnSync(command ?? 'npm', args, { stdio: 'inherit', cwd: REPO_ROOT, shell: (command ?? '').endsWith('.cmd') });
  if (result.status !== 0) throw new Error('npm run build failed: fix the build first (its output is above).');
}

async function start(): Promise<number> {
  build();
  mkdirSync(LAB_DIR, { recursive: true });
  const port = Number(process.env['PORT'] ?? DEFAULTS.port);
  const { app, target } = await launchLab({ dir: LAB_DIR, port, databaseUrl: `file:${path.join(LAB_DIR, 'lab.sqlite')}` });
  writeFileSync(TARGET_FILE, `${JSON.stringify(target, null, 2)}\n`);
  // The server writes its log file itself (test-support/app-launcher.ts); show it here as it grows.
  let shown = 0;
  const show = () => {
    const size = statSync(app.logFile).size;
    if (size > shown) createReadStream(app.logFile, { start: shown, end: size - 1 }).pipe(process.stdout, { end: false });
    shown = size;
  };
  show();
  watchFile(app.logFile, { interval: 250 }, show);
  console.log(
    [
      '',
      `  Security lab: ${target.url}  (panel: ${target.url}/lab)`,
      `  Attacks: npm run attack -- <${LAB_ATTACKS.map((attack) => attack.name).join('|')}>`,
      '  Stop with Ctrl+C.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    rmSync(TARGET_FILE, { force: true });
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const exit = await app.exited;
  rmSync(TARGET_FILE, { force: true });
  return exit.code ?? 1;
}

async function verify(): Promise<number> {
  build();
  const { app, target } = await launchLab();
  try {
    const rows = await verifyLab(target, LAB_ATTACKS);
    console.log(formatVerifyTable(rows));
    const failed = rows.filter((row) => !row.ok).length;
    console.log(
      failed === 0 ? `Every lab shows both sides (${rows.length} cases).` : `${failed} of ${rows.length} cases do not show both sides.`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await app.stop();
    app.remove();
  }
}

const [name = 'start', ...args] = process.argv.slice(2);
const command = COMMANDS[name];
if (!command) {
  console.error(
    `Unknown lab command ${name}. One of:\n${Object.entries(COMMANDS)
      .map(([key, { summary }]) => `  ${key}: ${summary}`)
      .join('\n')}`,
  );
  process.exit(2);
}
command.run(args).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
