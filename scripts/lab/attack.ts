// What every attack is: one or more cases, each aimed at one control. A case runs the real attack
// against the lab as it is now and says whether it got what it was after, and what showed it.
import type { LabControlName } from '../../common/lab';
import type { LabTarget } from './target';

export interface AttackOutcome {
  /** The attack got what it was after (the control, if it is on, failed to stop it). */
  succeeded: boolean;
  /** What happened, for people: what was sent and what came back or was found. */
  observed: string[];
}

export interface AttackCase {
  /** e.g. `forged`, `replayed` (webhook-forgery has three). */
  label: string;
  control: LabControlName;
  run(target: LabTarget): Promise<AttackOutcome>;
}

export interface LabAttack {
  name: string;
  /** One sentence: what the attacker tries. */
  summary: string;
  /** Why the control exists, and where the rule comes from. */
  why: string;
  cases: AttackCase[];
}
