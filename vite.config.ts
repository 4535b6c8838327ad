// Builds the client into dist/client, which the server serves with its own CSP.
//
// `html.cspNonce` makes Vite put `nonce="__CSP_NONCE__"` on every script and style tag it
// writes; the server replaces the placeholder with a fresh nonce per response, so the CSP can
// use `'nonce-…' 'strict-dynamic'` instead of allow-listing hosts.
// https://vite.dev/guide/features#content-security-policy-csp
//
// The pages are written from one layout (scripts/build/page-layout.ts): client/layout.html
// around each entry's own <main>, with the brand from config/brand.json.
//
// Two plugins serve PCI DSS 6.4.3 (docs/pci.md): every first-party script and stylesheet tag
// gets an SHA-384 `integrity`, and the build fails when a page's scripts differ from the
// approved inventory in security/script-inventory.json
// (`npm run inventory:approve`, i.e. `vite build --mode approve-scripts`, rewrites it for review;
// a mode rather than a variable, so the command is the same in every shell).
//
// A third writes a brotli and a gzip copy of each script and stylesheet for the server to send
// (common/precompressed.ts); the hashes stay those of the uncompressed files.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { PAGE_ENTRIES } from './common/pages';
import { pageLayout } from './scripts/build/page-layout';
import { precompressAssets } from './scripts/build/precompress';
import { scriptInventory } from './scripts/build/script-inventory';
import { subresourceIntegrity } from './scripts/build/subresource-integrity';

const page = (file: string) => fileURLToPath(new URL(`./client/${file}`, import.meta.url));

export default defineConfig(({ mode }) => ({
  root: 'client',
  base: '/',
  html: { cspNonce: '__CSP_NONCE__' },
  plugins: [
    pageLayout(),
    subresourceIntegrity(),
    scriptInventory({ approve: mode === 'approve-scripts' || process.env.APPROVE_SCRIPT_INVENTORY === '1' }),
    precompressAssets(),
  ],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // Every browser the CSP targets supports <link rel="modulepreload">; the polyfill is dead code.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // One input per HTML entry of the page list (common/pages.ts).
      input: Object.fromEntries(PAGE_ENTRIES.map((entry) => [entry.replace(/\.html$/, ''), page(entry)])),
    },
  },
}));
