import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffInventories, scriptInventory, THIRD_PARTY_SCRIPTS, type ScriptInventory } from '../build/script-inventory';
import { LAB_PAGE_ROUTES, PAGE_ENTRIES, PAGE_MANIFEST, PAGE_ROUTES } from '../../common/pages';
import { sha384 } from '../build/subresource-integrity';

describe('diffInventories', () => {
  const entry = { url: '/assets/a.js', sha384: 'sha384-A', firstParty: true, justification: 'ours' };
  it('reports added, changed and removed scripts per page, and nothing when equal', () => {
    const approved: ScriptInventory = { '/': [entry], '/cancel': [entry] };
    expect(diffInventories(approved, approved)).toEqual([]);
    const built: ScriptInventory = { '/': [{ ...entry, sha384: 'sha384-B' }], '/cancel': [] };
    expect(diffInventories(approved, built)).toEqual([
      '/: new, not approved: /assets/a.js sha384-B',
      '/: approved, no longer built: /assets/a.js sha384-A',
      '/cancel: approved, no longer built: /assets/a.js sha384-A',
    ]);
  });
  it.each([
    ['stripe.js', 'https://js.stripe.com/endive/stripe.js'],
    ['connect.js', 'https://connect-js.stripe.com/v1.0/connect.js'],
  ])('declares %s exactly for the pages whose Stripe surfaces name it', (surface, url) => {
    const declaring = Object.entries(THIRD_PARTY_SCRIPTS).filter(([, scripts]) => scripts.some((script) => script.url === url));
    expect(declaring.map(([route]) => route).sort()).toEqual(
      PAGE_MANIFEST.filter((page) => (page.stripeSurfaces as readonly string[]).includes(surface))
        .map((page) => page.route)
        .sort(),
    );
    for (const [, scripts] of declaring)
      expect(scripts.find((script) => script.url === url)).toMatchObject({ sha384: null, firstParty: false });
  });
  it('declares a third-party script for every page with a Stripe surface, and for no other', () => {
    expect(Object.keys(THIRD_PARTY_SCRIPTS).sort()).toEqual(
      PAGE_MANIFEST.filter((page) => page.stripeSurfaces.length > 0)
        .map((page) => page.route)
        .sort(),
    );
  });
});

describe('scriptInventory plugin in a real Vite build', () => {
  let dir: string;
  let root: string;
  let approvedFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'inventory-build-'));
    root = path.join(dir, 'src');
    approvedFile = path.join(dir, 'script-inventory.json');
    await mkdir(root);
    // Every entry of the page list, as the real build has them.
    for (const entry of PAGE_ENTRIES)
      await writeFile(path.join(root, entry), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>');
    await writeFile(path.join(root, 'main.ts'), "document.title = 'v1';");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (approve: boolean) =>
    build({
      root,
      logLevel: 'silent',
      configFile: false,
      build: {
        outDir: path.join(dir, 'dist'),
        emptyOutDir: true,
        rolldownOptions: { input: PAGE_ENTRIES.map((entry) => path.join(root, entry)) },
      },
      plugins: [scriptInventory({ approvedFile, approve })],
    });

  it("records each page's scripts with their hashes, passes when approved, and fails on a change", async () => {
    await run(true);
    const approved = JSON.parse(await readFile(approvedFile, 'utf8')) as ScriptInventory;
    // Every page built, the lab's panel too (it is built always, served in lab mode only).
    expect(Object.keys(approved).sort()).toEqual([...PAGE_ROUTES, ...LAB_PAGE_ROUTES].sort());
    const [ours] = approved['/'] ?? [];
    expect(ours).toMatchObject({ firstParty: true, sha384: sha384(await readFile(path.join(dir, 'dist', ours?.url ?? ''))) });
    expect(approved['/payment']).toEqual([expect.objectContaining({ firstParty: true }), ...(THIRD_PARTY_SCRIPTS['/payment'] ?? [])]);

    await expect(run(false)).resolves.toBeDefined();

    await writeFile(path.join(root, 'main.ts'), "document.title = 'v2, changed';");
    await expect(run(false)).rejects.toThrow(/not in the approved inventory[\s\S]*new, not approved[\s\S]*npm run inventory:approve/);
  });
});
