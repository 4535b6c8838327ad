// The lab's switch state. main.ts creates one only in lab mode (config.ts refuses lab mode with
// Stripe keys, in production and on a non-loopback PUBLIC_URL), and each control's mechanism
// asks it only when it was given one: without a LabControls, every control is on and no switch
// exists to reach.
import { LAB_CONTROL_NAMES, type LabControlName, type LabState } from '../../../common/lab';

export type { LabControlName };

export class LabControls {
  private readonly off = new Set<LabControlName>();
  private readonly listeners = new Set<() => void>();

  isOn(name: LabControlName): boolean {
    return !this.off.has(name);
  }

  set(name: LabControlName, on: boolean): void {
    if (on === this.isOn(name)) return;
    if (on) this.off.delete(name);
    else this.off.add(name);
    for (const listener of this.listeners) listener();
  }

  /** The controls switched off, in the list's order (the banner names them). */
  offControls(): LabControlName[] {
    return LAB_CONTROL_NAMES.filter((name) => this.off.has(name));
  }

  state(): LabState {
    return { controls: LAB_CONTROL_NAMES.map((name) => ({ name, on: this.isOn(name) })) };
  }

  /** Called after every change (the TLS policy swaps the server's secure context). */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }
}

/** Whether a control is on: always, unless a lab was given and has it off. */
export function controlOn(lab: LabControls | null | undefined, name: LabControlName): boolean {
  return lab ? lab.isOn(name) : true;
}
