// The TLS scanners the audit runs where Debian's packages are installed: `npm run audit` runs
// them, and the end-to-end audit spec expects one row for each it finds.
import { existsSync } from 'node:fs';
import path from 'node:path';

export const EXTERNAL_TLS_SCANNERS = [
  { tool: 'sslscan', check: 'sslscan (Debian)' },
  { tool: 'testssl', check: 'testssl.sh (Debian)' },
] as const;

/** The scanners found on PATH (what the audit will run). */
export function installedTlsScanners(searchPath = process.env.PATH ?? ''): (typeof EXTERNAL_TLS_SCANNERS)[number][] {
  return EXTERNAL_TLS_SCANNERS.filter(({ tool }) =>
    searchPath.split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, tool))),
  );
}
