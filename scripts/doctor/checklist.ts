// The doctor's output: one line per check, PASS / FAIL / SKIP, and under each failure the
// concrete change that fixes it.
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckLine {
  group: string;
  status: CheckStatus;
  /** What was checked and what was found. */
  title: string;
  /** For a failure: what to change, where. For a pass or skip: optional advice. */
  fix?: string;
}

export const pass = (group: string, title: string, advice?: string): CheckLine => ({
  group,
  status: 'pass',
  title,
  ...(advice ? { fix: advice } : {}),
});
export const fail = (group: string, title: string, fix: string): CheckLine => ({ group, status: 'fail', title, fix });
export const skip = (group: string, title: string, advice?: string): CheckLine => ({
  group,
  status: 'skip',
  title,
  ...(advice ? { fix: advice } : {}),
});

export function hasFailure(lines: readonly CheckLine[]): boolean {
  return lines.some((line) => line.status === 'fail');
}

const LABELS: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** The checklist as text, grouped in the order the groups first appear, with a count at the end. */
export function renderChecklist(lines: readonly CheckLine[]): string {
  const out: string[] = [];
  let group: string | undefined;
  for (const line of lines) {
    if (line.group !== group) {
      group = line.group;
      out.push('', group);
    }
    out.push(`  ${LABELS[line.status]}  ${line.title}`);
    if (line.fix) out.push(`        ${line.status === 'fail' ? 'fix: ' : ''}${line.fix}`);
  }
  const count = (status: CheckStatus) => lines.filter((line) => line.status === status).length;
  out.push('', `${count('pass')} passed, ${count('fail')} failed, ${count('skip')} skipped`, '');
  return out.join('\n');
}
