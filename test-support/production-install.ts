// A production install laid out in a folder, as `npm ci --omit=dev` after `npm run build` leaves
// it: the files the built server needs at run time, and a node_modules with only the packages
// the lockfile does not mark as dev. What `npm start` can load there, production can.
//
// node_modules is hard-linked from the repository's, not installed: a real `npm ci --omit=dev`
// downloads every package and compiles better-sqlite3 (about two minutes on two cores), for the
// same files. The lockfile decides which packages, as it decides for npm.
import { copyFileSync, cpSync, linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * What production runs from, besides node_modules and dist/ (`npm run build`): npm's manifest
 * and lockfile, the `npm start` launcher, the shop's configuration (the catalog, read at
 * startup) and the catalog's images, which startup checks (client/public).
 */
export const PRODUCTION_FILES = ['package.json', 'package-lock.json', 'scripts/start.mjs', 'config', 'client/public'] as const;

interface Lockfile {
  packages: Record<string, { dev?: boolean; optional?: boolean; link?: boolean }>;
}

/** The lockfile's node_modules/… folders `npm ci --omit=dev` installs (optional ones included, where installed). */
export function productionPackageFolders(lockfile: Lockfile): string[] {
  return Object.entries(lockfile.packages)
    .filter(([folder, entry]) => folder.startsWith('node_modules/') && entry.dev !== true)
    .map(([folder]) => folder);
}

/** The packages `npm ci --omit=dev` leaves out: those the lockfile marks dev. */
export function devPackageFolders(lockfile: Lockfile): string[] {
  return Object.entries(lockfile.packages)
    .filter(([folder, entry]) => folder.startsWith('node_modules/') && entry.dev === true)
    .map(([folder]) => folder);
}

export function readLockfile(root = REPO_ROOT): Lockfile {
  return JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lockfile;
}

export interface ProductionInstallOptions {
  /** The folder to fill (it holds dist/server already, or gets it afterwards). */
  dir: string;
  /** The built client to copy to dist/client. */
  clientDistDir: string;
}

/** Copies PRODUCTION_FILES and the client build, and hard-links the production packages. */
export function layOutProductionInstall(options: ProductionInstallOptions): void {
  for (const file of PRODUCTION_FILES) {
    cpSync(path.join(REPO_ROOT, file), path.join(options.dir, file), { recursive: true });
  }
  cpSync(options.clientDistDir, path.join(options.dir, 'dist', 'client'), { recursive: true });
  for (const folder of productionPackageFolders(readLockfile())) {
    const from = path.join(REPO_ROOT, folder);
    // An optional package for another platform is in the lockfile but not installed here.
    if (!isDirectory(from)) continue;
    linkTree(from, path.join(options.dir, folder));
  }
}

function isDirectory(folder: string): boolean {
  try {
    readdirSync(folder);
    return true;
  } catch {
    return false;
  }
}

/** Hard-links a package's files, leaving out its own node_modules (those are packages of their own in the lockfile). */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') linkTree(source, target);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target); // another file system
      }
    }
  }
}
