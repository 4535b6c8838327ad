// A TLS probe that needs nothing but Node: which protocol versions and cipher suites a server
// accepts, and what certificate it presents. It stands in for Qualys SSL Labs, which cannot
// reach a laptop or a CI machine, and for testssl.sh/sslscan where they are not installed.
//
// Each check is a real handshake restricted to one version or one suite. Node's OpenSSL
// refuses TLS 1.0/1.1 and weak suites at its default security level, so the probe lowers
// the level on its own side (`@SECLEVEL=0`): what is refused must be refused by the server.
import { X509Certificate } from 'node:crypto';
import { connect, getCiphers, rootCertificates, type ConnectionOptions, type DetailedPeerCertificate, type SecureVersion } from 'node:tls';

export const PROBED_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const satisfies readonly SecureVersion[];
export type ProbedVersion = (typeof PROBED_VERSIONS)[number];

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

export interface TlsTarget {
  host: string;
  port: number;
  /** Name to send in SNI and to check the certificate against. */
  servername: string;
  /** Extra trusted CA PEM (the development CA); the system store is used as well. */
  ca?: string;
  timeoutMs?: number;
}

export interface CertificateReport {
  subject: string;
  issuer: string;
  names: string[];
  validTo: string;
  daysToExpiry: number;
  /** Chain verifies against the system store plus `ca`, and matches `servername`. */
  trusted: boolean;
  trustError?: string;
  chainLength: number;
}

export interface TlsProbeResult {
  versions: Record<ProbedVersion, boolean>;
  tls12Suites: string[];
  tls13Suites: string[];
  /**
   * Per version with two or more suites: whether the server picks the same suite whichever
   * order the client offers them in (its own order decides), and which one it picks.
   */
  serverOrder: { version: 'TLSv1.2' | 'TLSv1.3'; serverChooses: boolean; chosen: string[] }[];
  certificate: CertificateReport;
}

export function targetFromUrl(url: URL, ca?: string): TlsTarget {
  if (url.protocol !== 'https:') throw new Error(`TLS probe needs an https:// URL, got ${url.href}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port: Number(url.port || 443), servername: host, ca };
}

export async function probeTls(target: TlsTarget): Promise<TlsProbeResult> {
  const versions: Record<ProbedVersion, boolean> = { TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': false, 'TLSv1.3': false };
  for (const version of PROBED_VERSIONS) {
    versions[version] = await handshakes(target, { minVersion: version, maxVersion: version, ciphers: 'ALL:@SECLEVEL=0' });
  }
  const tls12Suites: string[] = [];
  for (const suite of tls12CandidateSuites()) {
    if (await handshakes(target, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: `${suite}:@SECLEVEL=0` })) {
      tls12Suites.push(suite);
    }
  }
  const tls13Suites: string[] = [];
  for (const suite of TLS13_SUITES) {
    // Node takes TLS 1.3 suites in the same `ciphers` string (they start with TLS_).
    if (await handshakes(target, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: suite })) {
      tls13Suites.push(suite);
    }
  }
  const serverOrder: TlsProbeResult['serverOrder'] = [];
  for (const [version, accepted] of [
    ['TLSv1.2', tls12Suites],
    ['TLSv1.3', tls13Suites],
  ] as const) {
    // Offer the accepted suites in one order, then reversed: a server that honours its own
    // order answers the same suite both times; one that follows the client does not.
    // ChaCha20 is left out: a server may rightly give it to a client that lists it first
    // (OpenSSL's PRIORITIZE_CHACHA, for phones without AES instructions).
    const suites = accepted.filter((suite) => !suite.includes('CHACHA20'));
    if (suites.length < 2) continue;
    const chosen = [await chosenSuite(target, version, suites), await chosenSuite(target, version, [...suites].reverse())];
    serverOrder.push({ version, serverChooses: chosen[0] !== null && chosen[0] === chosen[1], chosen: chosen.map((c) => c ?? 'none') });
  }
  return { versions, tls12Suites, tls13Suites, serverOrder, certificate: await inspectCertificate(target) };
}

function chosenSuite(target: TlsTarget, version: 'TLSv1.2' | 'TLSv1.3', suites: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      servername: isIp(target.servername) ? undefined : target.servername,
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
      // TLS 1.3 suites alone, as in probeTls: a TLS 1.2 rule in the string would leave OpenSSL no 1.2 list.
      ciphers: version === 'TLSv1.3' ? suites.join(':') : `${suites.join(':')}:@SECLEVEL=0`,
    });
    const done = (suite: string | null) => {
      socket.destroy();
      resolve(suite);
    };
    socket.setTimeout(target.timeoutMs ?? 3000, () => done(null));
    socket.once('secureConnect', () => done(socket.getCipher().name));
    socket.once('error', () => done(null));
  });
}

/** Forward secrecy (ECDHE or DHE key exchange) and an AEAD cipher (GCM, ChaCha20-Poly1305, CCM). */
export function isForwardSecretAead(suite: string): boolean {
  if (suite.startsWith('TLS_')) return true; // every TLS 1.3 suite is ephemeral and AEAD
  return /^(ECDHE|DHE)-/.test(suite) && /(GCM|CHACHA20-POLY1305|CCM)/.test(suite);
}

function tls12CandidateSuites(): string[] {
  return getCiphers()
    .map((name) => name.toUpperCase())
    .filter((name) => !name.startsWith('TLS_'));
}

function handshakes(target: TlsTarget, restriction: ConnectionOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      servername: isIp(target.servername) ? undefined : target.servername,
      rejectUnauthorized: false, // the certificate is judged separately; here only the handshake matters
      ...restriction,
    });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(target.timeoutMs ?? 3000, () => done(false));
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function inspectCertificate(target: TlsTarget): Promise<CertificateReport> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      servername: isIp(target.servername) ? undefined : target.servername,
      // Node's bundled roots plus the extra CA, so trusting the development CA drops no public root.
      ca: target.ca ? [...rootCertificates, target.ca] : undefined,
      rejectUnauthorized: false,
    });
    socket.setTimeout(target.timeoutMs ?? 3000, () => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${target.host}:${target.port} timed out`));
    });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      const leaf = new X509Certificate(peer.raw);
      const nameError = nameMismatch(leaf, target.servername);
      const authError = socket.authorized ? undefined : String(socket.authorizationError);
      const trustError = nameError ?? authError;
      socket.destroy();
      resolve({
        subject: leaf.subject,
        issuer: leaf.issuer,
        names: (leaf.subjectAltName ?? '').split(', ').filter(Boolean),
        validTo: new Date(leaf.validTo).toISOString(),
        daysToExpiry: Math.floor((new Date(leaf.validTo).getTime() - Date.now()) / 86_400_000),
        trusted: trustError === undefined,
        ...(trustError === undefined ? {} : { trustError }),
        chainLength: chainLength(peer),
      });
    });
  });
}

function nameMismatch(cert: X509Certificate, servername: string): string | undefined {
  const matched = isIp(servername) ? cert.checkIP(servername) : cert.checkHost(servername);
  return matched === undefined ? `certificate does not cover ${servername}` : undefined;
}

function chainLength(peer: DetailedPeerCertificate): number {
  let length = 1;
  let current = peer;
  // A self-signed root points at itself; stop there.
  while (current.issuerCertificate && current.issuerCertificate.fingerprint256 !== current.fingerprint256 && length < 10) {
    current = current.issuerCertificate;
    length += 1;
  }
  return length;
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}
