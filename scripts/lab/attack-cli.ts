// `npm run attack -- <name>`: one attack against the running lab (`npm run lab` in another
// terminal), as the lab's switches are now: what was sent, what happened, and why the control exists.
import { readControls, readTargetFile } from './target';
import { LAB_ATTACKS, findAttack } from './attacks/index';

async function main(name: string | undefined): Promise<number> {
  const attack = name === undefined ? undefined : findAttack(name);
  if (!attack) {
    console.error(
      `Name an attack: npm run attack -- <name>, one of:\n${LAB_ATTACKS.map((known) => `  ${known.name}: ${known.summary}`).join('\n')}`,
    );
    return 2;
  }
  const target = readTargetFile();
  const state = await readControls(target);
  console.log(`\n${attack.name}: ${attack.summary}\n`);
  for (const attackCase of attack.cases) {
    const on = state.controls.find((control) => control.name === attackCase.control)?.on ?? true;
    const outcome = await attackCase.run(target);
    console.log(
      `  ${attackCase.label} (control ${attackCase.control} is ${on ? 'on' : 'OFF'}): ${outcome.succeeded ? 'ATTACK SUCCEEDED' : 'attack blocked'}`,
    );
    for (const line of outcome.observed) console.log(`    ${line}`);
  }
  console.log(`\nWhy: ${attack.why}\n`);
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
