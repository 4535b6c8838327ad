import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addIntegrity, sha384, subresourceIntegrity } from '../build/subresource-integrity';

const digest = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`;

describe('addIntegrity', () => {
  const assets: Record<string, string> = { '/assets/a.js': 'console.log(1)', '/assets/b.js': 'export {}', '/assets/c.css': 'p{}' };
  const read = async (url: string) => Buffer.from(assets[url] ?? '');

  it('hashes first-party scripts, module preloads and stylesheets, and nothing else', async () => {
    const html = [
      '<script type="module" crossorigin src="/assets/a.js" nonce="__CSP_NONCE__"></script>',
      '<link rel="modulepreload" crossorigin href="/assets/b.js">',
      '<link rel="stylesheet" href="/assets/c.css" />',
      '<link rel="icon" href="/images/favicon.svg">',
      '<script src="https://js.stripe.com/endive/stripe.js"></script>',
    ].join('\n');
    const out = await addIntegrity(html, read);
    expect(out).toContain(`src="/assets/a.js" nonce="__CSP_NONCE__" integrity="${digest('console.log(1)')}"></script>`);
    expect(out).toContain(`href="/assets/b.js" integrity="${digest('export {}')}">`);
    expect(out).toContain(`href="/assets/c.css" integrity="${digest('p{}')}" />`);
    expect(out).toContain('<link rel="icon" href="/images/favicon.svg">');
    expect(out).toContain('<script src="https://js.stripe.com/endive/stripe.js"></script>');
    expect(sha384('p{}')).toBe(digest('p{}'));
  });
});

describe('subresourceIntegrity plugin in a real Vite build', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sri-build-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves every built script and stylesheet tag with the hash of the file it loads', async () => {
    const root = path.join(dir, 'src');
    await mkdir(root);
    await writeFile(
      path.join(root, 'index.html'),
      '<!doctype html><html><head><link rel="stylesheet" href="./main.css"></head><body><script type="module" src="./main.ts"></script></body></html>',
    );
    await writeFile(path.join(root, 'main.ts'), "import { shared } from './shared'; document.title = shared();");
    await writeFile(path.join(root, 'shared.ts'), "export const shared = () => 'hello';");
    await writeFile(path.join(root, 'main.css'), 'body { color: #123; }');
    await build({
      root,
      logLevel: 'silent',
      configFile: false,
      html: { cspNonce: '__CSP_NONCE__' },
      build: { outDir: path.join(dir, 'dist'), emptyOutDir: true },
      plugins: [subresourceIntegrity()],
    });
    const html = await readFile(path.join(dir, 'dist', 'index.html'), 'utf8');
    const tags = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="(\/assets\/[^"]+)"[^>]*>/g)];
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const [tag, url] of tags) {
      const contents = await readFile(path.join(dir, 'dist', url ?? ''));
      expect(tag).toContain(`integrity="${sha384(contents)}"`);
    }
  });
});
