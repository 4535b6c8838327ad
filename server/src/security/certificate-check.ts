// What a live shop may serve: a certificate a customer's browser accepts for PUBLIC_URL.
// Two mistakes pass the TLS library's own checks (a key that matches its certificate) yet
// fail every customer: a certificate from this kit's development CA (trusted only on the
// developer's machine that made it), and one issued for another host. Checked at startup and
// on every hot reload (server/src/security/tls.ts), so neither is ever served.
import { X509Certificate } from 'node:crypto';
import { DEV_CA_SUBJECT } from '../../../common/dev-certs';

export interface CertificateRequirements {
  /** PUBLIC_URL's host as the URL parser gives it (`shop.example.com`, `203.0.113.7`, `[2001:db8::1]`). */
  host: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** `CN=…\nO=…` (Node's one attribute per line) as attribute → value. */
function nameAttributes(name: string): Map<string, string> {
  return new Map(name.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** The development CA's name, made on any machine by common/dev-certs.ts. */
function namesDevelopmentCa(name: string): boolean {
  const attributes = nameAttributes(name);
  return attributes.get('CN') === DEV_CA_SUBJECT.commonName && attributes.get('O') === DEV_CA_SUBJECT.organizationName;
}

/**
 * Whether a chain (leaf first, as in TLS_CERT_FILE) comes from a development CA: a certificate
 * in it issued by or being the development CA by name (any checkout's), or signed by this
 * checkout's CA itself (`localCa`, compared by key, whatever its name).
 */
function fromDevelopmentCa(chain: X509Certificate[], localCa: X509Certificate | undefined): boolean {
  return chain.some(
    (cert) =>
      namesDevelopmentCa(cert.issuer) ||
      namesDevelopmentCa(cert.subject) ||
      (localCa !== undefined &&
        (cert.fingerprint256 === localCa.fingerprint256 || (cert.checkIssued(localCa) && cert.verify(localCa.publicKey)))),
  );
}

/** Whether the leaf names the host in its subjectAltName, as browsers check it (never the subject's CN). */
function covers(leaf: X509Certificate, host: string): boolean {
  const ipv6 = /^\[(.*)\]$/.exec(host)?.[1];
  if (ipv6 !== undefined) return leaf.checkIP(ipv6) !== undefined;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return leaf.checkIP(host) !== undefined;
  return leaf.checkHost(host, { subject: 'never' }) !== undefined;
}

/** What a certificate chain says about its fitness for a host, for a check to judge. */
export interface CertificateInspection {
  /** The chain comes from a development CA (by name, or this checkout's CA by key). */
  fromDevelopmentCa: boolean;
  /** The leaf's subjectAltName names the host. */
  coversHost: boolean;
  /** The leaf's subjectAltName as Node prints it (for messages), or null. */
  names: string | null;
  /** The leaf's expiry. */
  validTo: Date;
}

/**
 * Reads a chain (PEM, leaf first) for `host`; undefined when it holds no PEM certificate.
 * `localDevCaPem`: this checkout's development CA (.certs/dev-ca.pem) when it exists.
 */
export function inspectCertificateChain(chainPem: string, host: string, localDevCaPem?: string): CertificateInspection | undefined {
  const chain = (chainPem.match(PEM_CERTIFICATE) ?? []).map((pem) => new X509Certificate(pem));
  const leaf = chain[0];
  if (!leaf) return undefined;
  const localCa = localDevCaPem === undefined ? undefined : new X509Certificate(localDevCaPem);
  return {
    fromDevelopmentCa: fromDevelopmentCa(chain, localCa),
    coversHost: covers(leaf, host),
    names: leaf.subjectAltName ?? null,
    validTo: new Date(leaf.validTo),
  };
}

/**
 * Throws, with what to set, unless `chainPem` suits a live shop at `requirements.host`.
 * `localDevCaPem`: this checkout's development CA (.certs/dev-ca.pem) when it exists.
 */
export function assertCertificateSuitsLiveMode(chainPem: string, requirements: CertificateRequirements, localDevCaPem?: string): void {
  const inspection = inspectCertificateChain(chainPem, requirements.host, localDevCaPem);
  if (!inspection)
    throw new Error(
      'TLS_CERT_FILE holds no PEM certificate: set it to the certificate (full chain, leaf first) issued for your PUBLIC_URL host.',
    );
  if (inspection.fromDevelopmentCa) {
    throw new Error(
      `TLS_CERT_FILE comes from the development CA, which only the machine that made it trusts: live mode needs a certificate from a public CA (e.g. Let's Encrypt) for ${requirements.host}. Set TLS_CERT_FILE and TLS_KEY_FILE to it.`,
    );
  }
  if (!inspection.coversHost) {
    throw new Error(
      `TLS_CERT_FILE does not cover ${requirements.host}, the host of PUBLIC_URL (it names ${inspection.names ?? 'no subjectAltName'}). Use a certificate issued for ${requirements.host}, or set PUBLIC_URL to a host the certificate names.`,
    );
  }
}
