// Bundles the server for production: `npm run build` writes dist/server/main.js (the app) and
// dist/server/reconcile.js and doctor.js (`npm run reconcile`'s and `npm run doctor`'s programs), which plain `node` runs after
// `npm ci --omit=dev`: no tsx, no TypeScript compile at each start.
//
// - Packages stay external: node_modules holds them at run time, so native ones
//   (better-sqlite3) and packages with optional native parts (pg's pg-native) load as Node loads
//   them, and every package the server imports must be in `dependencies`. The build checks that
//   (checkRuntimePackages), because `npm ci --omit=dev` would only find out at the first start in
//   production. The exception is BUNDLED_PACKAGES: pure-JavaScript ES module packages of
//   hundreds of files each, which Node resolves and links one file at a time at every start (most
//   of a start's CPU); bundled, they are one file, and only the parts the server uses.
// - Code splitting keeps the emulator (import()ed in emulated mode only) in a chunk of its own
//   that test and live mode never load, as under tsx.
// - Each module's `import.meta.url` is the URL its source file would have, computed from the
//   bundle's place, so paths found from it (the repository root for config/, the development CA
//   in .certs/, the emulator's browser sources) are the same from dist/server as under tsx.
//   Chunks land next to the entry points (esbuild's default), so one relative path fits both.
//   The bundle therefore belongs in <app root>/dist/server, whatever outDir it is written to.
// - The emulator's browser scripts are compiled here, once: the bundle holds their output in
//   place of their compiler (emulator/src/pages/browser-scripts-compiler.ts), so the built
//   server never loads esbuild.
import { readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { buildBrowserScripts } from '../../emulator/src/pages/browser-scripts-compiler';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_OUT_DIR = path.join(REPO_ROOT, 'dist', 'server');

/** The programs production runs, by output name (dist/server/<name>.js). */
export const SERVER_ENTRY_POINTS = {
  main: 'server/src/main.ts',
  reconcile: 'server/src/reconcile-cli.ts',
  seller: 'server/src/seller-cli.ts',
  // The preflight runs where the shop runs (a production install, the container) before going live.
  doctor: 'scripts/doctor/cli.ts',
} as const;

/**
 * Bundled into dist/server rather than loaded from node_modules (see the top of this file): no
 * native code, no files read next to their modules. They stay in `dependencies` all the same.
 */
/** Replaced in the bundle by its output (precompiledBrowserScripts). */
export const BROWSER_SCRIPTS_COMPILER = 'emulator/src/pages/browser-scripts-compiler.ts';

export const BUNDLED_PACKAGES: ReadonlySet<string> = new Set(['kysely', 'stripe', 'zod']);

export interface ServerBuildOptions {
  /** Default: the repository's. */
  repoRoot?: string;
  /** Default: <repoRoot>/dist/server; elsewhere, the files run once they are copied to <app root>/dist/server. */
  outDir?: string;
}

export async function buildServer(options: ServerBuildOptions = {}): Promise<Metafile> {
  const repoRoot = options.repoRoot ?? REPO_ROOT;
  const outDir = options.outDir ?? path.join(repoRoot, 'dist', 'server');
  // Chunk names carry a hash: an earlier build's chunks would stay behind.
  await rm(outDir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: Object.fromEntries(Object.entries(SERVER_ENTRY_POINTS).map(([name, file]) => [name, path.join(repoRoot, file)])),
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [
      externalPackagesBut(BUNDLED_PACKAGES),
      precompiledBrowserScripts(path.join(repoRoot, BROWSER_SCRIPTS_COMPILER)),
      sourceImportMetaUrl(path.join(repoRoot, 'dist', 'server')),
    ],
  });
  const packageJson = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
  const problems = checkRuntimePackages(result.metafile, packageJson, path.relative(repoRoot, outDir));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return result.metafile;
}

/** Puts a module returning the compiled browser scripts in place of `compilerFile`. */
function precompiledBrowserScripts(compilerFile: string): Plugin {
  return {
    name: 'precompiled-browser-scripts',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /browser-scripts-compiler\.ts$/ }, async (args) => {
        if (args.path !== compilerFile) return undefined;
        const scripts = await buildBrowserScripts();
        return { contents: `export async function buildBrowserScripts() { return ${JSON.stringify(scripts)}; }`, loader: 'js' };
      });
    },
  };
}

/** Like esbuild's `packages: 'external'`, except for the packages in `bundled`. */
function externalPackagesBut(bundled: ReadonlySet<string>): Plugin {
  return {
    name: 'external-packages-but',
    setup(pluginBuild) {
      // A bare specifier (not ./, ../ or an absolute path) names a package or a built-in.
      pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
        const pkg = packageName(args.path);
        return pkg !== null && bundled.has(pkg) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

/** Rewrites `import.meta.url` in our own modules to their source file's URL (see the top of this file). */
function sourceImportMetaUrl(bundleDir: string): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!contents.includes('import.meta.url') || args.path.includes(`${path.sep}node_modules${path.sep}`)) {
          return { contents, loader: 'ts' };
        }
        const fromBundle = path.relative(bundleDir, args.path).split(path.sep).join('/');
        return {
          contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`),
          loader: 'ts',
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; null for node: built-ins. */
export function packageName(specifier: string): string | null {
  if (specifier.startsWith('node:') || BUILTINS.has(specifier)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * The packages the entry points can load (imported, or import()ed by our code) that
 * `dependencies` lacks, as messages. Our own chunks are followed through static imports only:
 * the one they import() is the emulator, for emulated mode, which production refuses, and its
 * packages (esbuild) are development tools.
 */
export function checkRuntimePackages(metafile: Metafile, packageJson: PackageJson, outDir: string): string[] {
  const dependencies = new Set(Object.keys(packageJson.dependencies ?? {}));
  const problems: string[] = [];
  const outputs = metafile.outputs;
  for (const name of Object.keys(SERVER_ENTRY_POINTS)) {
    const entry = `${outDir.split(path.sep).join('/')}/${name}.js`;
    if (!outputs[entry]) problems.push(`The build wrote no dist/server/${name}.js.`);
    const seen = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
      const file = queue.pop() ?? '';
      if (seen.has(file)) continue;
      seen.add(file);
      for (const imported of outputs[file]?.imports ?? []) {
        if (!imported.external) {
          if (imported.kind === 'import-statement') queue.push(imported.path);
          continue;
        }
        const pkg = packageName(imported.path);
        if (pkg !== null && !dependencies.has(pkg)) {
          problems.push(
            `dist/server/${name}.js loads ${pkg}, but ${pkg} is not in package.json's dependencies: \`npm ci --omit=dev\` leaves it out, and the built server would fail where it needs it. Move it to dependencies.`,
          );
        }
      }
    }
  }
  return [...new Set(problems)];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildServer().then(
    () =>
      console.log(
        `Server bundled into ${path.relative(process.cwd(), SERVER_OUT_DIR) || '.'}/ (${Object.keys(SERVER_ENTRY_POINTS).join('.js, ')}.js)`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
