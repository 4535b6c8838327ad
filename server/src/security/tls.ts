// TLS settings for the HTTPS server, and hot reload of certificate files.
//
// Mozilla's "intermediate" profile, narrowed to ECDHE with AEAD ciphers and ordered by strength
// (https://ssl-config.mozilla.org/guidelines/5.7.json). TLS 1.2 stays enabled because
// Stripe's webhook sender does not speak TLS 1.3; TLS 1.0/1.1 are refused.
import { constants } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import type { Logger } from 'pino';
import { ensureDevCertificate, readDevCaCertificate } from '../../../common/dev-certs';
import { assertCertificateSuitsLiveMode } from './certificate-check';
import type { CertificateRequirements } from './certificate-check';

export const TLS_MIN_VERSION: SecureVersion = 'TLSv1.2';

// Strongest first, and the server's order decides (honorCipherOrder below): testssl.sh rates
// "no server cipher order" HIGH, and with our order no client can talk us down to its
// weakest suite. Every suite here is forward-secret AEAD, so "strongest" is key size:
// - 256-bit ciphers (AES-256-GCM, ChaCha20-Poly1305) before AES-128-GCM. Mozilla's
//   intermediate profile lists the same suites AES-128 first (for speed) and leaves the choice
//   to the client (https://ssl-config.mozilla.org/guidelines/5.7.json: server_preferred_order
//   false); once the server chooses, its first choice should be the strongest. The cost is
//   small: AES-256 does 14 rounds to AES-128's 10, far below anything a request here costs.
// - ChaCha20 right after AES-256, and PRIORITIZE_CHACHA below: a client that lists ChaCha20
//   first (a phone without AES instructions) still gets it, where it is faster and
//   constant-time.
// - ECDSA before RSA within each cipher, as Mozilla orders them: the server only uses the
//   suites its certificate's key type allows, so this matters only with both certificates.
export const TLS_CIPHERS = [
  // TLS 1.3 suites (all AEAD with forward secrecy).
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  // TLS 1.2: ECDHE key exchange with AES-GCM or ChaCha20-Poly1305 only.
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** Certificate files; `requirements` (live mode) is what the certificate must suit, checked on every load. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  requirements?: CertificateRequirements | null;
}

export interface TlsCredentials {
  cert: string;
  key: string;
  /** The dev CA, when the certificate comes from it (for the banner and local clients). */
  caPath: string | null;
}

/**
 * What many servers still accept, for the lab's `tls-policy` control off only: TLS 1.0 and 1.1
 * and OpenSSL's whole default list at security level 0 (CBC suites, SHA-1, static RSA), which
 * every current browser and PCI DSS 4.0 (req. 4.2.1, "strong cryptography") refuse.
 */
export function createWeakTlsOptions(credentials: { cert: string; key: string }) {
  return {
    cert: credentials.cert,
    key: credentials.key,
    minVersion: 'TLSv1' as SecureVersion,
    ciphers: 'DEFAULT@SECLEVEL=0',
    honorCipherOrder: false,
  };
}

export function createTlsOptions(credentials: { cert: string; key: string }) {
  return {
    cert: credentials.cert,
    key: credentials.key,
    minVersion: TLS_MIN_VERSION,
    ciphers: TLS_CIPHERS,
    ecdhCurve: 'X25519:prime256v1:secp384r1',
    // Our order (TLS_CIPHERS) decides, except that a client preferring ChaCha20 gets it
    // (OpenSSL's SSL_OP_PRIORITIZE_CHACHA; see the comment on TLS_CIPHERS).
    honorCipherOrder: true,
    secureOptions: constants.SSL_OP_PRIORITIZE_CHACHA,
  };
}

/** Reads real certificate files, or issues a localhost certificate from the development CA. */
export async function loadTlsCredentials(files: TlsFiles | null): Promise<TlsCredentials> {
  if (!files) {
    const dev = await ensureDevCertificate();
    return { cert: dev.cert, key: dev.key, caPath: dev.caPath };
  }
  const credentials = await readCertificateFiles(files);
  try {
    createSecureContext(createTlsOptions(credentials));
  } catch (error) {
    throw new Error(
      `TLS_CERT_FILE and TLS_KEY_FILE do not form a usable pair (${String(error)}). Check that the key belongs to the certificate and both are PEM.`,
    );
  }
  await checkRequirements(credentials.cert, files);
  return { ...credentials, caPath: null };
}

async function checkRequirements(cert: string, files: TlsFiles): Promise<void> {
  if (files.requirements) assertCertificateSuitsLiveMode(cert, files.requirements, await readDevCaCertificate());
}

async function readCertificateFiles(files: { certFile: string; keyFile: string }): Promise<{ cert: string; key: string }> {
  try {
    const [cert, key] = await Promise.all([readFile(files.certFile, 'utf8'), readFile(files.keyFile, 'utf8')]);
    return { cert, key };
  } catch (error) {
    throw new Error(
      `Cannot read TLS_CERT_FILE (${files.certFile}) or TLS_KEY_FILE (${files.keyFile}): ${String(error)}. Check the paths and file permissions.`,
    );
  }
}

/**
 * Reloads the certificate when either file changes (a renewal by certbot or a secret
 * mount), without dropping connections: `setSecureContext` applies to new handshakes.
 * A half-written pair (new cert, old key) fails validation and the old context stays
 * (a warning: the next change completes it). A certificate that does not meet
 * `files.requirements` (live mode) is refused too, with an error: it will not fix itself.
 * Returns a function that stops watching.
 */
export function watchCertificateFiles(server: Server, files: TlsFiles, logger: Logger, intervalMs = 1000): () => void {
  let reloading = Promise.resolve();
  const reload = () => {
    reloading = reloading.then(async () => {
      let credentials: { cert: string; key: string };
      try {
        credentials = await readCertificateFiles(files);
        createSecureContext(createTlsOptions(credentials)); // throws on a mismatched or partial pair
      } catch (error) {
        logger.warn({ err: error }, 'TLS certificate change ignored: the files do not form a valid pair yet');
        return;
      }
      try {
        await checkRequirements(credentials.cert, files);
      } catch (error) {
        logger.error({ err: error }, 'TLS certificate change refused: the previous certificate is still served');
        return;
      }
      server.setSecureContext(createTlsOptions(credentials));
      logger.info({ certFile: files.certFile }, 'TLS certificate reloaded');
    });
  };
  // watchFile polls stat(), which survives the rename-into-place that most tools use.
  watchFile(files.certFile, { interval: intervalMs }, reload);
  watchFile(files.keyFile, { interval: intervalMs }, reload);
  return () => {
    unwatchFile(files.certFile, reload);
    unwatchFile(files.keyFile, reload);
  };
}
