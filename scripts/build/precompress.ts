// A Vite plugin that writes a brotli and a gzip copy next to each built script and stylesheet
// (common/precompressed.ts says which and why); the server sends the one a browser accepts
// (server/src/routes/built-assets.ts). It runs after Vite has written the bundle, on the files as
// they are on disk, so the copies decompress to exactly the bytes the pages' `integrity` hashes.
// The other plugins' closeBundle hooks (which may run beside this one) rewrite only HTML and
// write only under .vite/, never a script or stylesheet.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { PRECOMPRESSED_FILE, precompress } from '../../common/precompressed';

/** Writes the compressed copies for every script and stylesheet under `dir`; returns the files written. */
export async function precompressBuiltFiles(dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !PRECOMPRESSED_FILE.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const copies: [string, Buffer][] = [];
    precompress(await readFile(file), (suffix, compressed) => copies.push([`${file}${suffix}`, compressed]));
    for (const [copy, compressed] of copies) await writeFile(copy, compressed);
    written.push(...copies.map(([copy]) => copy));
  }
  return written;
}

export function precompressAssets(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'stripe-secure-starter:precompress',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      await precompressBuiltFiles(path.resolve(config.root, config.build.outDir));
    },
  };
}
