// The running lab an attack aims at: where it answers, the CA its certificate chains to, and the
// evidence an attendee would look at (the server's log file and its SQLite database). `npm run
// lab` writes it to data/lab/target.json for `npm run attack`; `npm run lab -- verify` builds one
// for the lab it starts itself.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAB_API_PATH, type LabControlName, type LabState } from '../../common/lab';
import { httpsRequest, type HttpsResponse } from '../lib/https-client';

export interface LabTarget {
  /** https://localhost:<port> */
  url: string;
  /** The development CA (PEM) the lab's certificate chains to. */
  ca: string;
  /** Everything the server writes (its pino JSON lines). */
  logFile: string;
  /** The lab's SQLite file. */
  sqliteFile: string;
  /**
   * The webhook signing secret the emulator and the lab share (fixed per lab start). An attack
   * uses it only to stand for a delivery Stripe really signed that was captured and re-sent.
   */
  webhookSecret: string;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const LAB_DIR = path.join(REPO_ROOT, 'data', 'lab');
export const TARGET_FILE = path.join(LAB_DIR, 'target.json');

export function readTargetFile(file = TARGET_FILE): LabTarget {
  if (!existsSync(file)) throw new Error(`No running lab found (${file} is missing): start one with \`npm run lab\` in another terminal.`);
  return JSON.parse(readFileSync(file, 'utf8')) as LabTarget;
}

export async function request(
  target: LabTarget,
  method: 'GET' | 'POST' | 'PUT',
  pathname: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
): Promise<HttpsResponse> {
  const body = options.json === undefined ? options.body : JSON.stringify(options.json);
  const headers = { ...(options.json === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers };
  return httpsRequest(new URL(pathname, target.url), { method, body, headers, ca: target.ca });
}

export function jsonOf(response: HttpsResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Switches one control through the lab panel's API (a 404 means the server is not in lab mode). */
export async function setControl(target: LabTarget, name: LabControlName, on: boolean): Promise<LabState> {
  const response = await request(target, 'PUT', `${LAB_API_PATH}/${name}`, { json: { on } });
  if (response.status !== 200)
    throw new Error(`Switching ${name} ${on ? 'on' : 'off'} answered ${response.status}: is ${target.url} a lab?`);
  return jsonOf(response) as LabState;
}

export async function readControls(target: LabTarget): Promise<LabState> {
  const response = await request(target, 'GET', LAB_API_PATH);
  if (response.status !== 200) throw new Error(`${target.url}${LAB_API_PATH} answered ${response.status}: is ${target.url} a lab?`);
  return jsonOf(response) as LabState;
}

/** The log file's size now: what the server writes from here on belongs to this attack. */
export function logOffset(target: LabTarget): number {
  return existsSync(target.logFile) ? statSync(target.logFile).size : 0;
}

export function logSince(target: LabTarget, offset: number): string {
  return existsSync(target.logFile) ? readFileSync(target.logFile).subarray(offset).toString('utf8') : '';
}

/** The pino lines written since `offset` (the log line of a request is written when its response closes: wait a little). */
export async function logLinesSince(target: LabTarget, offset: number, settleMs = 300): Promise<Record<string, unknown>[]> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return logSince(target, offset)
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
