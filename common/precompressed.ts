// The compressed copies the build writes next to each script and stylesheet, and the server
// sends to a browser that accepts them: `assets/index-Bx12cd34.js.br` and `.js.gz` beside
// `assets/index-Bx12cd34.js`. Compressing once at build time lets us spend the slowest, densest
// settings (brotli 11, gzip 9) on files that never change (their names carry a content hash),
// and costs no CPU per request. The page's `integrity` hash stays that of the uncompressed file:
// a browser checks SRI after removing the content coding
// (https://w3c.github.io/webappsec-subresource-integrity/#does-response-match-metadatalist).
//
// Node only: the Vite build (scripts/build/precompress.ts), the server's tests' stand-in build
// (test-support/fixture-client.ts) and the server (server/src/routes/built-assets.ts) read it.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** A content coding (RFC 9110 §8.4.1) the build writes a copy in, in the server's order of preference. */
export interface Precompression {
  /** The `Content-Encoding` / `Accept-Encoding` token. */
  readonly encoding: 'br' | 'gzip';
  /** Added to the file's name: `x.js` → `x.js.br`. */
  readonly suffix: string;
  readonly compress: (contents: Buffer) => Buffer;
}

/** Brotli first: smaller than gzip on text at its densest setting, and every browser we support sends `br` over HTTPS. */
export const PRECOMPRESSIONS: readonly Precompression[] = [
  {
    encoding: 'br',
    suffix: '.br',
    compress: (contents) =>
      brotliCompressSync(contents, {
        params: {
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: contents.length,
        },
      }),
  },
  { encoding: 'gzip', suffix: '.gz', compress: (contents) => gzipSync(contents, { level: constants.Z_BEST_COMPRESSION }) },
];

/** The built files that get compressed copies: scripts and stylesheets (images are SVG we serve as they are, or already compressed). */
export const PRECOMPRESSED_FILE = /\.(?:m?js|css)$/;

/**
 * Writes each compressed copy of `contents` that is smaller than it; returns the suffixes
 * written. A copy that would not be smaller is not written, so the server sends the file as it is.
 */
export function precompress(contents: Buffer, write: (suffix: string, compressed: Buffer) => void): string[] {
  const written: string[] = [];
  for (const { suffix, compress } of PRECOMPRESSIONS) {
    const compressed = compress(contents);
    if (compressed.length >= contents.length) continue;
    write(suffix, compressed);
    written.push(suffix);
  }
  return written;
}
