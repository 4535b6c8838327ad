// `npm start` (the server), `npm run reconcile`, `npm run doctor` and `npm run seller`, on any shell (package.json scripts cannot
// say `VAR=value cmd` on Windows).
//
// - NODE_ENV=production: runs what `npm run build` bundled (dist/server/<program>.js) with
//   plain node, in this process, so a signal reaches the program itself. A production install
//   (`npm ci --omit=dev`) has no tsx, vite or TypeScript, so nothing is built here: build in
//   the build stage, before pruning.
// - Otherwise (development): runs the TypeScript sources with tsx, as `npm install && npm start`
//   on a fresh clone always has; the server builds the client first.
//
// Plain JavaScript, so it runs without any TypeScript tooling. NODE_ENV is read from the
// environment only: a `.env` file is the server's to read (server/src/config.ts).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** By name (`node scripts/start.mjs <name>`): the bundle, the source, and whether development builds first. */
const PROGRAMS = {
  main: { built: '../dist/server/main.js', source: '../server/src/main.ts', buildFirst: true },
  reconcile: { built: '../dist/server/reconcile.js', source: '../server/src/reconcile-cli.ts', buildFirst: false },
  doctor: { built: '../dist/server/doctor.js', source: '../scripts/doctor/cli.ts', buildFirst: false },
  seller: { built: '../dist/server/seller.js', source: '../server/src/seller-cli.ts', buildFirst: false },
};

const name = process.argv[2] ?? 'main';
const program = PROGRAMS[name];
if (!program) {
  console.error(`Unknown program ${name}: one of ${Object.keys(PROGRAMS).join(', ')}.`);
  process.exit(1);
}

if (process.env.NODE_ENV === 'production') {
  const built = new URL(program.built, import.meta.url);
  if (!existsSync(built)) {
    console.error(
      `\n${fileURLToPath(built)} is missing: run \`npm run build\` first (with the dev dependencies installed, before \`npm ci --omit=dev\` or pruning), then start again with NODE_ENV=production.\n`,
    );
    process.exit(1);
  }
  // Stack traces name the TypeScript sources (the build writes source maps next to the bundle).
  process.setSourceMapsEnabled(true);
  // The program reads its own arguments from argv[2] on, as when it runs on its own.
  process.argv.splice(2, 1);
  await import(built.href);
} else {
  if (program.buildFirst) run(npmCommand(['run', 'build']), { sync: true });
  run(
    [
      process.execPath,
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL(program.source, import.meta.url)),
      ...process.argv.slice(3),
    ],
    {
      sync: false,
    },
  );
}

/** `npm <args>` with the npm that runs this script (npm sets npm_execpath), or the one on PATH. */
function npmCommand(args) {
  const npm = process.env.npm_execpath;
  if (npm) return [process.execPath, npm, ...args];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', ...args];
}

function run([command, ...args], { sync }) {
  // npm.cmd is a batch file: Windows runs those only through a shell.
  const options = { stdio: 'inherit', shell: command.endsWith('.cmd') };
  if (sync) {
    const result = spawnSync(command, args, options);
    if (result.status !== 0) process.exit(result.status ?? 1);
    return;
  }
  const child = spawn(command, args, options);
  // Ctrl+C reaches the whole process group; a SIGTERM sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
