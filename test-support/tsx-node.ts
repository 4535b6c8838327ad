// Runs a TypeScript entry point of this repository as one Node process: `node --import tsx
// <file>`. (The tsx CLI forks a child of its own: a SIGKILL, a signal or a /proc reading of the
// process we started would miss the program.) Spawn `process.execPath` with these arguments.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** `node` arguments that run `file` (absolute, or relative to the repository) after `nodeArgs`. */
export function tsxNodeArgs(file: string, nodeArgs: readonly string[] = []): string[] {
  return ['--import', TSX_LOADER, ...nodeArgs, path.resolve(REPO_ROOT, file)];
}
