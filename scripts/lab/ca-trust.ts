// Whether this machine trusts the development CA (.certs/dev-ca.pem) where a browser looks for it:
// - Linux: the system store (/etc/ssl/certs, what update-ca-certificates writes), or an NSS
//   database (Chrome/Chromium's ~/.pki/nssdb, Firefox's profiles) read with `certutil`
//   (Debian/Ubuntu package libnss3-tools);
// - macOS: the keychains, asked with `security verify-cert`;
// - Windows: the user's or the machine's Root store, asked with `certutil -verifystore`.
// The CA is matched by its bytes (or its SHA-1 thumbprint on Windows), never by its name: every
// checkout's CA has the same subject (common/dev-certs.ts), and trusting another checkout's CA
// does not make this one's certificates trusted.
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface CommandResult {
  /** Exit status; null when the command could not be run (then `missing` says whether it is not installed). */
  status: number | null;
  stdout: string;
  missing?: boolean;
}
export type RunCommand = (command: string, args: readonly string[]) => CommandResult;

export interface TrustProbeOptions {
  platform: NodeJS.Platform;
  /** The user's home folder (NSS databases live under it). */
  home: string;
  /** Linux: the system's certificate folder. */
  systemCertDir: string;
  run: RunCommand;
}

export type TrustFinding = { trusted: true; where: string } | { trusted: false; looked: string[]; problems: string[] };

export const runCommand: RunCommand = (command, args) => {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 15_000, windowsHide: true });
  if (result.error) return { status: null, stdout: '', missing: (result.error as NodeJS.ErrnoException).code === 'ENOENT' };
  return { status: result.status, stdout: result.stdout };
};

/** The base64 bodies of every PEM certificate in `text`, whitespace removed: equal bodies are the same certificate. */
export function pemBodies(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
}

export function findCaTrust(caPem: string, caPath: string, options: TrustProbeOptions): TrustFinding {
  switch (options.platform) {
    case 'darwin':
      return macosTrust(caPath, options.run);
    case 'win32':
      return windowsTrust(caPem, options.run);
    default:
      return linuxTrust(caPem, options);
  }
}

function linuxTrust(caPem: string, options: TrustProbeOptions): TrustFinding {
  const [ca] = pemBodies(caPem);
  const looked: string[] = [];
  const problems: string[] = [];
  if (existsSync(options.systemCertDir)) {
    looked.push(options.systemCertDir);
    for (const name of readdirSync(options.systemCertDir)) {
      const file = path.join(options.systemCertDir, name);
      if (!/\.(pem|crt|0)$/.test(name) || !isReadableFile(file)) continue;
      if (pemBodies(readFileSync(file, 'utf8')).includes(ca ?? '')) return { trusted: true, where: `the system store (${file})` };
    }
  }
  for (const db of nssDatabases(options.home)) {
    looked.push(`NSS database ${db}`);
    const list = options.run('certutil', ['-d', `sql:${db}`, '-L']);
    if (list.status === null) {
      problems.push(
        list.missing
          ? "certutil is not installed, so the browsers' NSS databases could not be read (sudo apt-get install libnss3-tools)"
          : `certutil could not read ${db}`,
      );
      break;
    }
    for (const nickname of trustedCaNicknames(list.stdout)) {
      const cert = options.run('certutil', ['-d', `sql:${db}`, '-L', '-n', nickname, '-a']);
      if (cert.status === 0 && pemBodies(cert.stdout).includes(ca ?? ''))
        return { trusted: true, where: `the NSS database ${db} (as "${nickname}")` };
    }
  }
  return { trusted: false, looked, problems };
}

/** Chrome/Chromium's shared NSS database and every Firefox profile's (deb and snap installs). */
function nssDatabases(home: string): string[] {
  const dbs = [path.join(home, '.pki', 'nssdb'), path.join(home, 'snap', 'chromium', 'current', '.pki', 'nssdb')];
  for (const profiles of [path.join(home, '.mozilla', 'firefox'), path.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox')]) {
    if (!existsSync(profiles)) continue;
    for (const profile of readdirSync(profiles)) dbs.push(path.join(profiles, profile));
  }
  return dbs.filter((db) => existsSync(path.join(db, 'cert9.db')));
}

/**
 * The nicknames `certutil -L` lists as trusted to issue server certificates: the trust column is
 * "SSL,S/MIME,code signing", and C (or T) in the SSL part marks a trusted CA.
 */
export function trustedCaNicknames(listing: string): string[] {
  const nicknames: string[] = [];
  for (const line of listing.split('\n')) {
    const match = /^(.*\S)\s+([A-Za-z]*),([A-Za-z]*),([A-Za-z]*)\s*$/.exec(line);
    if (match && /[CT]/.test(match[2] ?? '')) nicknames.push(match[1] ?? '');
  }
  return nicknames;
}

function isReadableFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false; // a dangling link in /etc/ssl/certs
  }
}

function macosTrust(caPath: string, run: RunCommand): TrustFinding {
  // Succeeds only when the keychains hold the certificate as a trusted root.
  const result = run('security', ['verify-cert', '-c', caPath]);
  if (result.status === 0) return { trusted: true, where: 'the macOS keychain' };
  return {
    trusted: false,
    looked: ['the macOS keychains (security verify-cert)'],
    problems: result.status === null ? ['`security` could not be run'] : [],
  };
}

function windowsTrust(caPem: string, run: RunCommand): TrustFinding {
  // certutil finds a certificate by its SHA-1 thumbprint; CurrentUser\Root is where README's Import-Certificate puts it.
  const thumbprint = new X509Certificate(caPem).fingerprint.replace(/:/g, '');
  const stores = [
    { args: ['-user', '-verifystore', 'Root', thumbprint], where: 'Cert:\\CurrentUser\\Root' },
    { args: ['-verifystore', 'Root', thumbprint], where: 'Cert:\\LocalMachine\\Root' },
  ];
  for (const store of stores) {
    if (run('certutil', store.args).status === 0) return { trusted: true, where: store.where };
  }
  return { trusted: false, looked: stores.map((store) => store.where), problems: [] };
}

/** How to trust the CA on this platform, for the doctor's fix and the workshop guide. */
export function trustFix(platform: NodeJS.Platform, caPath: string): string {
  switch (platform) {
    case 'darwin':
      return `security add-trusted-cert -d -r trustRoot -k ~/Library/Keychains/login.keychain-db "${caPath}" (asks for your password), then restart the browser.`;
    case 'win32':
      return `In PowerShell: Import-Certificate -FilePath "${caPath}" -CertStoreLocation Cert:\\CurrentUser\\Root (confirm the dialog), then restart the browser.`;
    default:
      return [
        `For Chrome/Chromium: certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n stripe-secure-starter-dev -i "${caPath}"`,
        '(certutil: sudo apt-get install libnss3-tools); for Firefox: Settings → Privacy & Security → View Certificates → Authorities → Import;',
        `for the whole system: sudo cp "${caPath}" /usr/local/share/ca-certificates/stripe-secure-starter-dev.crt && sudo update-ca-certificates.`,
        'Then restart the browser.',
      ].join(' ');
  }
}
