// The app's captured output, read back as pino JSON lines (non-JSON lines, like the startup
// banner, are skipped).
import { readFile, stat } from 'node:fs/promises';
import { parseLogLines } from '../../test-support/app-launcher';

export type LogEntry = Record<string, unknown>;

export async function measureLog(file: string): Promise<number> {
  return (await stat(file)).size;
}

export async function readLogEntries(file: string, fromByte = 0): Promise<LogEntry[]> {
  return parseLogLines((await readFile(file)).subarray(fromByte).toString('utf8'));
}
