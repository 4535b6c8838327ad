// `npm run lab -- reset`: puts a laptop back to the start of the workshop. Removes the lab's
// state folder (its database with orders, CSP reports and webhook events, the monitor's baseline,
// whatever the attacks left); keeps the development CA, which the laptop already trusts. Refused
// while the lab is running: its open database would be recreated under it (and Windows cannot
// delete an open file).
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isPortFree } from './ports';

export interface ResetOptions {
  stateDir: string;
  /** The lab's HTTPS port: in use means the lab (or something else there) is running. */
  port: number;
}

export type ResetOutcome = { ok: true; removed: boolean; message: string } | { ok: false; message: string };

export async function resetLab(options: ResetOptions): Promise<ResetOutcome> {
  if (!(await isPortFree(options.port))) {
    return {
      ok: false,
      message: `Port ${options.port} is in use: stop the lab first (Ctrl+C in its terminal), then run npm run lab -- reset again. Nothing was removed.`,
    };
  }
  if (!existsSync(options.stateDir)) return { ok: true, removed: false, message: `Nothing to reset: ${options.stateDir} does not exist.` };
  await rm(options.stateDir, { recursive: true, force: true, maxRetries: 3 });
  return {
    ok: true,
    removed: true,
    message: `Removed ${options.stateDir} (the lab's database, reports and monitor baseline). The development CA in .certs/ stays trusted. Start again with npm run lab.`,
  };
}
