// The dependency direction is part of `npm run lint`: these lint probe files placed in each
// folder with the repository's own eslint.config.js and show that a forbidden import fails and
// an allowed one passes. The layer table comes from that config, so the matrix follows it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RULE = 'local/import-direction';

interface DirectionOptions {
  layers: Record<string, { mayImport: string[] }>;
}

let eslint: ESLint;
let layers: DirectionOptions['layers'];

beforeAll(async () => {
  eslint = new ESLint({
    cwd: ROOT,
    // Only this rule, and without type information: the direction needs paths, not types,
    // and building the TypeScript program for every probe would take minutes.
    ruleFilter: ({ ruleId }) => ruleId === RULE,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  });
  const config = (await eslint.calculateConfigForFile(path.join(ROOT, 'client/src/probe.ts'))) as { rules?: Record<string, unknown> };
  const setting = config.rules?.[RULE];
  layers = Array.isArray(setting) ? (setting[1] as DirectionOptions).layers : {};
});

/** The import-direction messages for `code` as if it were the file at `file` (relative to the root). */
async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  expect(result?.messages.filter((m) => m.ruleId !== RULE && m.fatal)).toEqual([]);
  return (result?.messages ?? []).filter((m) => m.ruleId === RULE).map((m) => m.message);
}

/** The specifier a file at `from` would write to reach `to` (both relative to the root). */
function specifier(from: string, to: string): string {
  const relative = path.relative(path.dirname(from), to).split(path.sep).join('/');
  return relative.startsWith('.') ? relative : `./${relative}`;
}

const importOf = (from: string, to: string) => `import { probe } from '${specifier(from, to)}';\nexport const used = probe;\n`;

describe('the dependency direction in npm run lint', () => {
  it('is configured for every layer the repository has', () => {
    for (const layer of ['common', 'client', 'server', 'emulator', 'scripts', 'e2e', 'test-support']) {
      expect(layers, layer).toHaveProperty(layer);
    }
  });

  it.each([
    ['client', 'server', 'client/src/lib/probe.ts', 'server/src/config'],
    ['server', 'scripts', 'server/src/routes/probe.ts', 'scripts/lib/tsx-node'],
    ['server tests', 'scripts', 'server/test/probe.test.ts', 'scripts/bench/run-load'],
    ['emulator', 'server', 'emulator/src/probe.ts', 'server/src/errors'],
    ['scripts', 'e2e', 'scripts/audit/probe.ts', 'e2e/browser'],
    ['e2e', 'scripts', 'e2e/support/probe.ts', 'scripts/lib/app-health'],
    ['common', 'server', 'common/probe.ts', 'server/src/config'],
    ['common', 'test-support', 'common/probe.ts', 'test-support/probe'],
    ['test-support', 'scripts', 'test-support/probe.ts', 'scripts/lib/tsx-node'],
    ['test-support', 'e2e', 'test-support/probe.ts', 'e2e/browser'],
    ['client', 'emulator', 'client/src/probe.ts', 'emulator/src/index'],
    ['server', 'the emulator outside its public entry, from a test', 'server/test/probe.test.ts', 'emulator/src/ids'],
  ])('fails %s importing %s', async (_from, _to, file, target) => {
    const messages = await lint(file, importOf(file, target));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/may import only from .* and packages/);
  });

  it.each([
    ['client', 'common', 'client/src/lib/probe.ts', 'common/api-contract'],
    ['server', 'common', 'server/src/routes/probe.ts', 'common/api-contract'],
    ['emulator', 'common', 'emulator/src/probe.ts', 'common/dev-certs'],
    ['scripts', 'server', 'scripts/audit/probe.ts', 'server/src/config'],
    ['e2e', 'client', 'e2e/support/probe.ts', 'client/src/lib/api'],
    ['e2e', 'test-support', 'e2e/support/probe.ts', 'test-support/probe'],
    ['test-support', 'emulator', 'test-support/probe.ts', 'emulator/src/index'],
    ['server tests', "the emulator's public entry", 'server/test/probe.test.ts', 'emulator/src/index'],
    ['server tests', 'test-support', 'server/test/probe.test.ts', 'test-support/probe'],
  ])('lets %s import %s', async (_from, _to, file, target) => {
    expect(await lint(file, importOf(file, target))).toEqual([]);
  });

  it('lets packages and node built-ins through from every layer', async () => {
    for (const layer of Object.keys(layers)) {
      expect(
        await lint(`${layer}/probe.ts`, "import { z } from 'zod';\nimport path from 'node:path';\nexport const used = [z, path];\n"),
      ).toEqual([]);
    }
  });

  it('goes by where an import leads, not by how it is spelled', async () => {
    // emulator/src/server.ts is the emulator's own module; ../server from client/ would be client/server.
    expect(await lint('emulator/src/api/probe.ts', "import { probe } from '../server';\nexport const used = probe;\n")).toEqual([]);
    expect(await lint('client/src/probe.ts', importOf('client/src/probe.ts', 'server/src/app'))).toHaveLength(1);
  });

  it('counts type-only imports, re-exports, import() and import types', async () => {
    const file = 'client/src/probe.ts';
    const target = specifier(file, 'server/src/config');
    for (const code of [
      `import type { Config } from '${target}';\nexport type Used = Config;\n`,
      `export { loadConfigFromProcess } from '${target}';\n`,
      `export * from '${target}';\n`,
      `export const load = () => import('${target}');\n`,
      `export type Used = import('${target}').Config;\n`,
    ]) {
      expect(await lint(file, code), code).toHaveLength(1);
    }
  });

  it('lets server/src/main.ts load the emulator only with import() (emulated mode), and no other server module', async () => {
    const main = 'server/src/main.ts';
    const emulator = specifier(main, 'emulator/src/index');
    expect(await lint(main, `export const start = () => import('${emulator}');\n`)).toEqual([]);
    expect(await lint(main, `import { startEmulator } from '${emulator}';\nexport const start = startEmulator;\n`)).toEqual([
      expect.stringMatching(/only with import\(\)/),
    ]);
    expect(
      await lint('server/src/app.ts', `export const start = () => import('${specifier('server/src/app.ts', 'emulator/src/index')}');\n`),
    ).toHaveLength(1);
  });

  it('follows the layer table for every pair of layers', async () => {
    expect(Object.keys(layers)).toContain('client');
    for (const [from, { mayImport }] of Object.entries(layers)) {
      for (const to of Object.keys(layers)) {
        // Paths that no exception names: only the table decides.
        const file = `${from}/probe/probe.ts`;
        const messages = await lint(file, importOf(file, `${to}/probe/target`));
        expect(messages.length, `${from} -> ${to}`).toBe(to === from || mayImport.includes(to) ? 0 : 1);
      }
    }
  });
});
