// `npm run lab -- <command>`: the workshop lab.
//   doctor   is this laptop ready (Node, ports, the trusted development CA, a browser, SQLite)? exit 1 if not
//   reset    back to the start: removes the lab's state (not the certificate)
// The lab itself (start, the default, and verify) registers beside them in COMMANDS.
import { DEFAULTS, loadConfigFromProcess } from '../../server/src/config';
import { hasFailure, renderChecklist } from '../doctor/checklist';
import { defaultLabDoctorOptions, runLabDoctor } from './doctor';
import { LAB_STATE_DIR } from './lab-state';
import { resetLab } from './reset';

const COMMANDS: Record<string, () => Promise<number>> = {
  async doctor() {
    const lines = await runLabDoctor(defaultLabDoctorOptions());
    process.stdout.write(renderChecklist(lines));
    return hasFailure(lines) ? 1 : 0;
  },
  async reset() {
    const outcome = await resetLab({ stateDir: LAB_STATE_DIR, port: labPort() });
    (outcome.ok ? process.stdout : process.stderr).write(`${outcome.message}\n`);
    return outcome.ok ? 0 : 1;
  },
};

/** The lab's HTTPS port as configured; the default when the configuration does not load (reset must still work). */
function labPort(): number {
  try {
    return loadConfigFromProcess().port;
  } catch {
    return DEFAULTS.port;
  }
}

const [command = 'start'] = process.argv.slice(2);
const run = COMMANDS[command];
if (!run) {
  process.stderr.write(`Unknown lab command ${command}: one of ${Object.keys(COMMANDS).join(', ')}.\n`);
  process.exit(2);
}
process.exitCode = await run();
