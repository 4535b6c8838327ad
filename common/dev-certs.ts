// The local development certificate authority, shared by the app and the Stripe emulator.
//
// Both servers run HTTPS only, even on a laptop, so the code path that ships is the one
// that is tested. One CA is generated per checkout (in the git-ignored `.certs/`) and
// reused across runs; each server gets a leaf certificate for localhost, 127.0.0.1 and ::1
// issued by it. Trust the CA once (see README, "Trusting the development CA") instead of
// clicking through a warning for every server.
//
// Node only. Run `npm run certs` (scripts/certs.ts) to create them ahead of time and print
// where they are.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CERT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '.certs');

/** The names every development leaf certificate covers. */
export const DEV_HOSTS = ['localhost', '127.0.0.1', '::1'] as const;

/**
 * The development CA's subject, the same in every checkout: live mode refuses any certificate
 * whose chain names it (server/src/security/certificate-check.ts), whichever machine made it.
 */
export const DEV_CA_SUBJECT = {
  commonName: 'Stripe Secure Starter development CA',
  organizationName: 'Stripe Secure Starter (local development only)',
} as const;

const CA_FILE = 'dev-ca.pem';
const CA_DAYS = 825;
const LEAF_DAYS = 397; // the longest validity browsers accept for a leaf certificate
const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface DevCertificate {
  /** PEM of the leaf certificate followed by the CA certificate (a full chain). */
  cert: string;
  /** PEM private key of the leaf. */
  key: string;
  /** PEM of the CA certificate alone: what a client adds to its trust store. */
  ca: string;
  /** Where the CA certificate is on disk, for NODE_EXTRA_CA_CERTS and browser import. */
  caPath: string;
}

export interface DevCertificateOptions {
  /** Folder that holds the CA and leaf files. Defaults to `<repo>/.certs`. */
  dir?: string;
}

/**
 * Returns a leaf certificate for the development hosts, creating the CA and the leaf on
 * first use and renewing the leaf when it nears expiry. Safe to call from several
 * processes at once: creation happens under a lock directory.
 */
export async function ensureDevCertificate(options: DevCertificateOptions = {}): Promise<DevCertificate> {
  const dir = options.dir ?? DEFAULT_CERT_DIR;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCert: path.join(dir, CA_FILE),
    caKey: path.join(dir, 'dev-ca-key.pem'),
    leafCert: path.join(dir, 'localhost.pem'),
    leafKey: path.join(dir, 'localhost-key.pem'),
  };

  const existing = await readUsable(files);
  if (existing) return existing;

  return withLock(path.join(dir, '.lock'), async () => {
    const again = await readUsable(files);
    if (again) return again;

    let ca = await readPair(files.caCert, files.caKey);
    if (!ca || !isValidFor(ca.cert, RENEW_WITHIN_DAYS)) {
      ca = await createCa();
      await writeAtomic(files.caKey, ca.key);
      await writeAtomic(files.caCert, ca.cert);
    }
    const leaf = await createLeaf(ca);
    await writeAtomic(files.leafKey, leaf.key);
    await writeAtomic(files.leafCert, leaf.cert);
    return { cert: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, key: leaf.key, ca: ca.cert, caPath: files.caCert };
  });
}

interface Pair {
  cert: string;
  key: string;
}

/** This checkout's development CA certificate (PEM), or undefined when none was ever made. Creates nothing. */
export async function readDevCaCertificate(options: DevCertificateOptions = {}): Promise<string | undefined> {
  try {
    return await readFile(path.join(options.dir ?? DEFAULT_CERT_DIR, CA_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function readUsable(files: { caCert: string; caKey: string; leafCert: string; leafKey: string }) {
  const ca = await readPair(files.caCert, files.caKey);
  const leaf = await readPair(files.leafCert, files.leafKey);
  if (!ca || !leaf) return undefined;
  if (!isValidFor(leaf.cert, RENEW_WITHIN_DAYS) || !isIssuedBy(leaf.cert, ca.cert)) return undefined;
  return { cert: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, key: leaf.key, ca: ca.cert, caPath: files.caCert };
}

async function readPair(certPath: string, keyPath: string): Promise<Pair | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isValidFor(pem: string, days: number): boolean {
  try {
    const cert = new X509Certificate(pem);
    return new Date(cert.validTo).getTime() - Date.now() > days * DAY_MS;
  } catch {
    return false;
  }
}

function isIssuedBy(leafPem: string, caPem: string): boolean {
  try {
    const leaf = new X509Certificate(leafPem);
    const ca = new X509Certificate(caPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey) && DEV_HOSTS.every((h) => hostCovered(leaf, h));
  } catch {
    return false;
  }
}

function hostCovered(cert: X509Certificate, host: string): boolean {
  return host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

// selfsigned (with its X.509 and ASN.1 libraries) is import()ed only to create a certificate:
// loaded with this module it took about a third of the built server's startup CPU, and a start
// that finds its certificates (or uses TLS_CERT_FILE) never creates one.
async function createCa(): Promise<Pair> {
  const { generate } = await import('selfsigned');
  const now = new Date();
  const result = await generate(
    [
      { name: 'commonName', value: DEV_CA_SUBJECT.commonName },
      { name: 'organizationName', value: DEV_CA_SUBJECT.organizationName },
    ],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - DAY_MS),
      notAfterDate: new Date(now.getTime() + CA_DAYS * DAY_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    },
  );
  return { cert: result.cert, key: result.private };
}

async function createLeaf(ca: Pair): Promise<Pair> {
  const { generate } = await import('selfsigned');
  const now = new Date();
  const result = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + LEAF_DAYS * DAY_MS),
    ca: { key: ca.key, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: result.cert, key: result.private };
}

async function writeAtomic(file: string, contents: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, contents, { mode: 0o600 });
  await rename(tmp, file);
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${lockDir}. If no other process is creating certificates, delete that folder.`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
