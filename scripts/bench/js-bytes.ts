// First-party JavaScript per page: every script and module preload of ours each built page
// names (the script inventory's view, scripts/build/subresource-integrity.ts), from the built
// client, raw and compressed as a build would precompress them (gzip level 9, brotli quality
// 11), each file on its own as it is sent. Modules loaded only by a dynamic import() are not
// counted: the page does not load them up front.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { PAGE_MANIFEST } from '../../common/pages';
import { firstPartyScriptUrls } from '../build/subresource-integrity';
import type { BenchPath } from './context';
import type { BenchRow } from './report';

const GOAL_GZIP_KB = 6;
const KB = 1024;

export interface PageScriptBytes {
  raw: number;
  gzip: number;
  brotli: number;
}

export async function measurePageScripts(clientDir: string, entry: string): Promise<PageScriptBytes> {
  const html = await readFile(path.join(clientDir, entry), 'utf8');
  const totals: PageScriptBytes = { raw: 0, gzip: 0, brotli: 0 };
  for (const url of firstPartyScriptUrls(html)) {
    const bytes = await readFile(path.join(clientDir, url));
    totals.raw += bytes.length;
    totals.gzip += gzipSync(bytes, { level: 9 }).length;
    totals.brotli += brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  return totals;
}

const kb = (bytes: number) => Math.round((bytes / KB) * 100) / 100;

export const benchJsBytes: BenchPath = async ({ settings, log }) => {
  log('js: first-party JavaScript per page');
  // Routes that share a built page share its scripts: one row per built page.
  const entries = [...new Set(PAGE_MANIFEST.map((page) => page.entry))];
  const rows: BenchRow[] = [];
  for (const entry of entries) {
    const routes = PAGE_MANIFEST.filter((page) => page.entry === entry).map((page) => page.route);
    const bytes = await measurePageScripts(settings.clientDir, entry);
    rows.push({
      section: 'js',
      path: `first-party JS per page, gzip: ${routes.map((route) => `\`${route}\``).join(', ')}`,
      app: {
        value: kb(bytes.gzip),
        unit: 'KB',
        p99Ms: null,
        cpuMicrosPerUnit: null,
        detail: `raw ${kb(bytes.raw)} KB, brotli ${kb(bytes.brotli)} KB`,
      },
      baseline: null,
      ratio: null,
      goal: `≤ ${GOAL_GZIP_KB} KB`,
      met: bytes.gzip <= GOAL_GZIP_KB * KB,
      failures: 0,
    });
  }
  return rows;
};
