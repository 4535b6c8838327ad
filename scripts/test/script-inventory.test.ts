import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { diffInventories, routeOf, scriptInventory, THIRD_PARTY_SCRIPTS, type ScriptInventory } from '../build/script-inventory';
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
  it('maps built pages to their routes', () => {
    expect(routeOf('index.html')).toBe('/');
    expect(routeOf('dist/client/payment.html')).toBe('/payment');
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
    await writeFile(path.join(root, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>');
    await writeFile(path.join(root, 'payment.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>');
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
        rolldownOptions: { input: [path.join(root, 'index.html'), path.join(root, 'payment.html')] },
      },
      plugins: [scriptInventory({ approvedFile, approve })],
    });

  it('records each page\'s scripts with their hashes, passes when approved, and fails on a change', async () => {
    await run(true);
    const approved = JSON.parse(await readFile(approvedFile, 'utf8')) as ScriptInventory;
    expect(Object.keys(approved).sort()).toEqual(['/', '/payment']);
    const [ours] = approved['/'] ?? [];
    expect(ours).toMatchObject({ firstParty: true, sha384: sha384(await readFile(path.join(dir, 'dist', ours?.url ?? ''))) });
    expect(approved['/payment']).toEqual([expect.objectContaining({ firstParty: true }), ...(THIRD_PARTY_SCRIPTS['/payment'] ?? [])]);

    await expect(run(false)).resolves.toBeDefined();

    await writeFile(path.join(root, 'main.ts'), "document.title = 'v2, changed';");
    await expect(run(false)).rejects.toThrow(/not in the approved inventory[\s\S]*new, not approved[\s\S]*APPROVE_SCRIPT_INVENTORY=1/);
  });
});
