// The app's captured output, read back as pino JSON lines (non-JSON lines, like the startup
// banner, are skipped).
import { readFile, stat } from 'node:fs/promises';

export type LogEntry = Record<string, unknown>;

export async function measureLog(file: string): Promise<number> {
  return (await stat(file)).size;
}

export async function readLogEntries(file: string, fromByte = 0): Promise<LogEntry[]> {
  const text = (await readFile(file)).subarray(fromByte).toString('utf8');
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const entry: unknown = JSON.parse(line);
      return typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? [Object.fromEntries(Object.entries(entry))] : [];
    } catch {
      return [];
    }
  });
}
