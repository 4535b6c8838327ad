// `npm run lab -- verify`: every attack case run with its control off (it must succeed) and on
// (it must fail), every other control on, and the table of what happened.
import { LAB_CONTROL_NAMES } from '../../common/lab';
import type { AttackOutcome, LabAttack } from './attack';
import { setControl, type LabTarget } from './target';

export interface VerifyRow {
  attack: string;
  label: string;
  control: string;
  off: AttackOutcome;
  on: AttackOutcome;
  /** Both sides shown: the attack succeeded with the control off and failed with it on. */
  ok: boolean;
}

async function allOn(target: LabTarget): Promise<void> {
  for (const name of LAB_CONTROL_NAMES) await setControl(target, name, true);
}

/** A case that throws counts as "did not succeed", with the error as what was observed. */
async function attempt(run: () => Promise<AttackOutcome>): Promise<AttackOutcome> {
  try {
    return await run();
  } catch (error) {
    return { succeeded: false, observed: [`the attack failed to run: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

export async function verifyLab(target: LabTarget, attacks: readonly LabAttack[]): Promise<VerifyRow[]> {
  const rows: VerifyRow[] = [];
  for (const attack of attacks) {
    for (const attackCase of attack.cases) {
      await allOn(target);
      await setControl(target, attackCase.control, false);
      const off = await attempt(() => attackCase.run(target));
      await setControl(target, attackCase.control, true);
      const on = await attempt(() => attackCase.run(target));
      rows.push({ attack: attack.name, label: attackCase.label, control: attackCase.control, off, on, ok: off.succeeded && !on.succeeded });
    }
  }
  await allOn(target);
  return rows;
}

export function formatVerifyTable(rows: readonly VerifyRow[]): string {
  const header = ['attack', 'case', 'control', 'control off', 'control on', 'result'];
  const cells = rows.map((row) => [
    row.attack,
    row.label,
    row.control,
    row.off.succeeded ? 'attack succeeded' : 'attack FAILED',
    row.on.succeeded ? 'attack SUCCEEDED' : 'attack blocked',
    row.ok ? 'ok' : 'NOT SHOWN',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)));
  const format = (line: string[]) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const problems = rows
    .filter((row) => !row.ok)
    .flatMap((row) => [
      `${row.attack} (${row.label}) with ${row.control} off: ${row.off.observed.join('; ')}`,
      `${row.attack} (${row.label}) with ${row.control} on: ${row.on.observed.join('; ')}`,
    ]);
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...cells.map(format), '', ...problems].join('\n');
}
