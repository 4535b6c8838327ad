// `npm run lab -- doctor`: is this laptop ready for the workshop? Node's version against
// package.json's engines, the configuration the lab runs with (emulated: no Stripe keys), the
// ports the app and the emulator listen on, the development CA trusted by the system or a browser,
// a Chromium for the browser attacks (the finder the end-to-end suite uses), and better-sqlite3's
// native module. One line per check (the `npm run doctor` checklist), a fix under each failure.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DEFAULT_CERT_DIR, readDevCaCertificate } from '../../common/dev-certs';
import { ConfigError, loadConfigFromProcess, type Config } from '../../server/src/config';
import { findChromium } from '../../test-support/browser';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { fail, pass, type CheckLine } from '../doctor/checklist';
import { findCaTrust, runCommand, trustFix, type RunCommand } from './ca-trust';
import { isPortFree, whoHoldsPort } from './ports';

export interface LabDoctorOptions {
  /** The configuration the lab starts with (the CLI: .env, then the environment). */
  loadConfig: () => Config;
  /** Default: this Node's version. */
  nodeVersion?: string;
  /** Default: package.json's engines.node. */
  nodeRange?: string;
  platform?: NodeJS.Platform;
  /** Default: .certs/dev-ca.pem of this checkout. */
  caDir?: string;
  home?: string;
  systemCertDir?: string;
  run?: RunCommand;
  /** Default: the end-to-end suite's Chromium finder; throws with what to do when there is none. */
  findBrowser?: () => string;
  /** Default: opens an in-memory database with better-sqlite3. */
  loadSqlite?: () => Promise<void>;
}

/** The minimum `>=X.Y.Z` of an engines range; other range forms are refused so this check is never silently wrong. */
export function minimumVersion(range: string): [number, number, number] {
  const match = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!match) throw new Error(`package.json engines.node is "${range}": the lab doctor understands only ">=X.Y.Z".`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function checkNodeVersion(version: string, range: string): CheckLine {
  const GROUP = 'Node.js';
  const minimum = minimumVersion(range);
  const have = version.replace(/^v/, '').split('.').map(Number);
  const older = minimum.findIndex((part, i) => (have[i] ?? 0) !== part);
  if (older === -1 || (have[older] ?? 0) > (minimum[older] ?? 0)) return pass(GROUP, `Node ${version} satisfies ${range}`);
  return fail(
    GROUP,
    `Node ${version} is older than package.json requires (${range})`,
    `Install Node ${minimum.join('.')} or newer (the 20 LTS or later) from https://nodejs.org, or with a version manager: nvm install 20 (Linux, macOS), winget install OpenJS.NodeJS.LTS (Windows); then run npm install again.`,
  );
}

function checkConfiguration(loadConfig: () => Config): { lines: CheckLine[]; config: Config | null } {
  const GROUP = 'Configuration';
  try {
    const config = loadConfig();
    if (config.mode !== 'emulated') {
      return {
        lines: [
          fail(
            GROUP,
            `.env or the environment sets Stripe keys (${config.mode} mode): the lab runs only against the local emulator`,
            'Remove STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET from .env (and the environment) for the workshop.',
          ),
        ],
        config,
      };
    }
    return { lines: [pass(GROUP, 'emulated mode (no Stripe keys), as the lab needs')], config };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { lines: error.problems.map((problem) => fail(GROUP, 'the app would refuse to start', problem)), config: null };
  }
}

/** The ports the app (HTTPS, the HTTP redirect) and its in-process emulator listen on. */
export function labPorts(config: Config): { port: number; variable: string }[] {
  const ports = [{ port: config.port, variable: 'PORT' }];
  if (config.httpPort !== null) ports.push({ port: config.httpPort, variable: 'HTTP_PORT' });
  if (config.emulator) ports.push({ port: config.emulator.port, variable: 'EMULATOR_PORT' });
  return ports.filter(({ port }) => port !== 0); // 0 picks a free port
}

async function checkPorts(config: Config, platform: NodeJS.Platform): Promise<CheckLine[]> {
  const GROUP = 'Ports';
  const lines: CheckLine[] = [];
  for (const { port, variable } of labPorts(config)) {
    lines.push(
      (await isPortFree(port))
        ? pass(GROUP, `${port} (${variable}) is free`)
        : fail(
            GROUP,
            `${port} (${variable}) is in use`,
            `Stop the program holding it (often an \`npm start\` or \`npm run lab\` left running in another terminal; find it with ${whoHoldsPort(platform, port)}), or set ${variable} to a free port in .env.`,
          ),
    );
  }
  return lines;
}

async function checkCaTrust(options: LabDoctorOptions, platform: NodeJS.Platform): Promise<CheckLine> {
  const GROUP = 'Development CA';
  const caDir = options.caDir ?? DEFAULT_CERT_DIR;
  const caPath = path.join(caDir, 'dev-ca.pem');
  const caPem = await readDevCaCertificate({ dir: caDir });
  if (caPem === undefined) {
    return fail(GROUP, `no development CA yet (${caPath})`, `Run npm run certs to create it, then trust it: ${trustFix(platform, caPath)}`);
  }
  const finding = findCaTrust(caPem, caPath, {
    platform,
    home: options.home ?? homedir(),
    systemCertDir: options.systemCertDir ?? '/etc/ssl/certs',
    run: options.run ?? runCommand,
  });
  if (finding.trusted) return pass(GROUP, `${caPath} is trusted by ${finding.where}`);
  const notes = finding.problems.length ? ` (${finding.problems.join('; ')})` : '';
  return fail(
    GROUP,
    `${caPath} is not trusted: looked in ${finding.looked.join(', ') || 'nothing readable'}${notes}; the browser will warn on every lab page`,
    trustFix(platform, caPath),
  );
}

function checkBrowser(findBrowser: () => string): CheckLine {
  const GROUP = 'Browser';
  try {
    return pass(GROUP, `Chromium for the browser attacks: ${findBrowser()}`);
  } catch (error) {
    return fail(
      GROUP,
      'no Chromium found for the browser attacks (skimmer, weak-csp)',
      error instanceof Error ? error.message : String(error),
    );
  }
}

async function openSqlite(): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(':memory:');
  try {
    db.prepare('SELECT sqlite_version()').get();
  } finally {
    db.close();
  }
}

/** What to install when better-sqlite3's prebuilt binary cannot be downloaded and npm compiles it. */
export function buildToolsFix(platform: NodeJS.Platform): string {
  const tools =
    platform === 'win32'
      ? 'Visual Studio Build Tools with the "Desktop development with C++" workload (winget install Microsoft.VisualStudio.2022.BuildTools) and Python 3'
      : platform === 'darwin'
        ? 'the Xcode command-line tools (xcode-select --install)'
        : 'a compiler and Python (sudo apt-get install build-essential python3)';
  return `Run npm rebuild better-sqlite3 (it downloads a prebuilt binary for this Node and OS). When the download fails (offline, a proxy, a Node too new for a prebuilt binary), npm compiles it: install ${tools}, then run npm rebuild better-sqlite3 again.`;
}

async function checkSqlite(loadSqlite: () => Promise<void>, platform: NodeJS.Platform): Promise<CheckLine> {
  const GROUP = 'SQLite';
  try {
    await loadSqlite();
    return pass(GROUP, 'better-sqlite3 loads and opens a database');
  } catch (error) {
    return fail(GROUP, `better-sqlite3 does not load: ${error instanceof Error ? error.message : String(error)}`, buildToolsFix(platform));
  }
}

function enginesNode(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  if (!pkg.engines?.node) throw new Error('package.json has no engines.node');
  return pkg.engines.node;
}

export async function runLabDoctor(options: LabDoctorOptions): Promise<CheckLine[]> {
  const platform = options.platform ?? process.platform;
  const { lines: configLines, config } = checkConfiguration(options.loadConfig);
  return [
    checkNodeVersion(options.nodeVersion ?? process.version, options.nodeRange ?? enginesNode()),
    ...configLines,
    ...(config ? await checkPorts(config, platform) : []),
    await checkCaTrust(options, platform),
    checkBrowser(options.findBrowser ?? (() => findChromium())),
    await checkSqlite(options.loadSqlite ?? openSqlite, platform),
  ];
}

/** The CLI's defaults: the configuration from .env and the environment, as the lab reads it. */
export const defaultLabDoctorOptions = (): LabDoctorOptions => ({ loadConfig: () => loadConfigFromProcess() });
