// PCI DSS 6.4.3 script inventory: every script each payment page loads, with its SHA-384,
// whether it is first party, and why it is there.
//
// The build derives the inventory from the pages it wrote (first-party scripts and module
// preloads, hashed from disk) plus the third-party scripts a page loads at run time, declared
// by each page's Stripe surfaces in the page list (common/pages.ts). A human approves it by committing `security/script-inventory.json`;
// the build fails when what it produced differs from what was approved, and
// `npm run inventory:approve` writes the new one for review in `git diff`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { PAGE_MANIFEST, type StripeSurface } from '../../common/pages';
import { firstPartyScriptUrls, sha384 } from './subresource-integrity';

export interface InventoryEntry {
  url: string;
  /** Null for third-party scripts that may not be pinned (Stripe.js): recorded by origin and path. */
  sha384: string | null;
  firstParty: boolean;
  justification: string;
}

export type ScriptInventory = Record<string, InventoryEntry[]>;

const STRIPE_JS: Omit<InventoryEntry, 'url'> = {
  sha384: null,
  firstParty: false,
  justification:
    'Stripe.js, loaded from js.stripe.com by @stripe/stripe-js: required to collect card data in Stripe-hosted iframes, so card numbers never reach our page or server. Stripe forbids bundling, self-hosting or pinning it with a fixed hash.',
};

/** Each Stripe surface's script, loaded at run time rather than written in the HTML. */
const SURFACE_SCRIPTS: Record<StripeSurface, InventoryEntry> = {
  'stripe.js': { url: 'https://js.stripe.com/endive/stripe.js', ...STRIPE_JS },
  'connect.js': {
    url: 'https://connect-js.stripe.com/v1.0/connect.js',
    sha384: null,
    firstParty: false,
    justification:
      "Connect.js, loaded from connect-js.stripe.com by @stripe/connect-js: renders the seller's Connect embedded components (onboarding, payments, payouts) in Stripe-hosted iframes. Stripe serves it from its own origin only; it may not be bundled or pinned.",
  },
};

/** Scripts pages load at run time that are not in their HTML, keyed by page route (from the page list). */
export const THIRD_PARTY_SCRIPTS: Record<string, InventoryEntry[]> = Object.fromEntries(
  PAGE_MANIFEST.filter((page) => page.stripeSurfaces.length > 0).map((page) => [
    page.route,
    page.stripeSurfaces.map((surface) => SURFACE_SCRIPTS[surface]),
  ]),
);

export const APPROVED_INVENTORY_FILE = path.resolve(import.meta.dirname, '..', '..', 'security', 'script-inventory.json');

export async function buildInventory(outDir: string): Promise<ScriptInventory> {
  const inventory: ScriptInventory = {};
  for (const page of [...PAGE_MANIFEST].sort((a, b) => a.entry.localeCompare(b.entry) || a.route.localeCompare(b.route))) {
    const html = await readFile(path.join(outDir, page.entry), 'utf8');
    const ours = await Promise.all(
      firstPartyScriptUrls(html).map(async (url, index) => ({
        url,
        sha384: sha384(await readFile(path.join(outDir, url))),
        firstParty: true,
        justification:
          index === 0
            ? 'Our bundle: the page itself (built by Vite from client/).'
            : 'Our bundle: a module the page imports (built by Vite from client/).',
      })),
    );
    inventory[page.route] = [...ours, ...(THIRD_PARTY_SCRIPTS[page.route] ?? [])];
  }
  return inventory;
}

/** Differences between the approved inventory and the built one, one line each. */
export function diffInventories(approved: ScriptInventory, built: ScriptInventory): string[] {
  const lines: string[] = [];
  const key = (entry: InventoryEntry) => `${entry.url} ${entry.sha384 ?? '(unpinned)'}`;
  for (const route of new Set([...Object.keys(approved), ...Object.keys(built)])) {
    const before = new Set((approved[route] ?? []).map(key));
    const after = new Set((built[route] ?? []).map(key));
    for (const entry of after) if (!before.has(entry)) lines.push(`${route}: new, not approved: ${entry}`);
    for (const entry of before) if (!after.has(entry)) lines.push(`${route}: approved, no longer built: ${entry}`);
  }
  return lines;
}

export interface ScriptInventoryOptions {
  approvedFile?: string;
  /** Write the built inventory as the approved one instead of comparing. */
  approve?: boolean;
}

export function scriptInventory(options: ScriptInventoryOptions = {}): Plugin {
  const approvedFile = options.approvedFile ?? APPROVED_INVENTORY_FILE;
  let config: ResolvedConfig;
  return {
    name: 'stripe-secure-starter:script-inventory',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      const built = await buildInventory(outDir);
      const json = `${JSON.stringify(built, null, 2)}\n`;
      // Beside Vite's own manifest in .vite/: a report for people, not a file for the browser,
      // and the server serves no dotfile (server/src/routes/built-assets.ts).
      await mkdir(path.join(outDir, '.vite'), { recursive: true });
      await writeFile(path.join(outDir, '.vite', 'script-inventory.json'), json);
      if (options.approve) {
        await writeFile(approvedFile, json);
        config.logger.info(`Script inventory written to ${approvedFile}: review it with git diff and commit it to approve.`);
        return;
      }
      const approved = await readFile(approvedFile, 'utf8').then(
        (text) => JSON.parse(text) as ScriptInventory,
        () => ({}),
      );
      const differences = diffInventories(approved, built);
      if (differences.length > 0) {
        throw new Error(
          [
            'The payment pages load scripts that are not in the approved inventory (PCI DSS 6.4.3):',
            ...differences.map((line) => `  ${line}`),
            `Review the change, then run \`npm run inventory:approve\` and commit ${path.relative(process.cwd(), approvedFile)}.`,
          ].join('\n'),
        );
      }
    },
  };
}
