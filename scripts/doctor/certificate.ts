// The certificate customers get for PUBLIC_URL: it names the host, is not from this kit's
// development CA (in live mode), and is not expired or about to be. In app mode it is read from
// TLS_CERT_FILE (with the same inspection the server runs at startup,
// server/src/security/certificate-check.ts); in proxy mode the proxy holds it, so it is fetched
// from PUBLIC_URL over HTTPS as a browser would get it.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { DEV_HOSTS } from '../../common/dev-certs';
import type { Config } from '../../server/src/config';
import { resolvePublicUrl } from '../../server/src/config';
import { inspectCertificateChain } from '../../server/src/security/certificate-check';
import { fail, pass, type CheckLine } from './checklist';

const GROUP = 'Certificate';
/** Renew this long before expiry at the latest (Let's Encrypt's clients renew at 30 days left). */
export const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `app`: the app terminates TLS with TLS_CERT_FILE; `proxy`: a TLS-terminating proxy in front does. */
export type TlsMode = 'app' | 'proxy';

export interface CertificateCheckOptions {
  tlsMode: TlsMode;
  now: Date;
  /** This checkout's development CA (.certs/dev-ca.pem), when there is one. */
  localDevCaPem?: string;
  /** Proxy mode: extra CAs to trust when fetching the served certificate (tests); default Node's public roots only. */
  servedCa?: string[];
}

export interface ServedCertificate {
  /** The chain the server sent, leaf first, as PEM. */
  chainPem: string;
  /** Whether it chains to a trusted root (the public roots, plus `ca`). */
  trusted: boolean;
  trustError: string | null;
}

/** The certificate chain an HTTPS server presents for `url`'s host, as a browser would receive it. */
export function fetchServedCertificate(url: string, ca?: string[]): Promise<ServedCertificate> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: target.port === '' ? 443 : Number(target.port),
      ...(isIP(host) ? {} : { servername: host }),
      // Not refused here: an untrusted certificate is a finding to report, not an error. `authorized`
      // then judges the chain alone; whether it names the host is judged by inspectCertificateChain.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      ...(ca ? { ca: [...tls.rootCertificates, ...ca] } : {}),
      timeout: 15_000,
    });
    socket.once('secureConnect', () => {
      const pems: string[] = [];
      let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        pems.push(new X509Certificate(cert.raw).toString());
        cert = cert.issuerCertificate;
      }
      const error = socket.authorizationError as Error | string | null;
      resolve({
        chainPem: pems.join(''),
        trusted: socket.authorized,
        trustError: error === null ? null : String(error instanceof Error ? error.message : error),
      });
      socket.end();
    });
    socket.once('timeout', () => socket.destroy(new Error(`no TLS answer from ${target.host} within 15 s`)));
    socket.once('error', reject);
  });
}

/** The lines for a chain: names the host, development CA (live mode), expiry. `source` says where it came from in fixes. */
function judgeChain(config: Config, chainPem: string, host: string, source: string, options: CertificateCheckOptions): CheckLine[] {
  const inspection = inspectCertificateChain(chainPem, host, options.localDevCaPem);
  if (!inspection)
    return [fail(GROUP, `${source} holds no PEM certificate`, `Set it to the certificate (full chain, leaf first) issued for ${host}.`)];
  const lines: CheckLine[] = [];
  lines.push(
    inspection.coversHost
      ? pass(GROUP, `${source} covers ${host}`)
      : fail(
          GROUP,
          `${source} does not cover ${host}, the host of PUBLIC_URL (it names ${inspection.names ?? 'no subjectAltName'})`,
          `Use a certificate issued for ${host} (e.g. certbot certonly -d ${host}), or set PUBLIC_URL to a host the certificate names.`,
        ),
  );
  if (inspection.fromDevelopmentCa) {
    lines.push(
      config.mode === 'live'
        ? fail(
            GROUP,
            `${source} comes from the development CA, which only the machine that made it trusts`,
            `Live mode needs a certificate from a public CA (e.g. Let's Encrypt) for ${host}: docs/deploy.md has the recipes.`,
          )
        : pass(
            GROUP,
            `${source} comes from the development CA: fine for test mode on this machine`,
            'Live mode refuses it: use a public CA there.',
          ),
    );
  } else {
    lines.push(pass(GROUP, `${source} is not from the development CA`));
  }
  const daysLeft = Math.floor((inspection.validTo.getTime() - options.now.getTime()) / DAY_MS);
  const expiry = inspection.validTo.toISOString().slice(0, 10);
  if (daysLeft < 0) {
    lines.push(
      fail(
        GROUP,
        `${source} expired on ${expiry}`,
        `Renew it now (e.g. certbot renew) and ${renewTarget(source)}; browsers refuse an expired certificate.`,
      ),
    );
  } else if (daysLeft < RENEW_WITHIN_DAYS) {
    lines.push(
      fail(
        GROUP,
        `${source} expires on ${expiry}, in ${daysLeft} days (less than ${RENEW_WITHIN_DAYS})`,
        `Renew it now (e.g. certbot renew) and ${renewTarget(source)}, and make renewal automatic (certbot's timer renews at 30 days left).`,
      ),
    );
  } else {
    lines.push(pass(GROUP, `${source} is valid until ${expiry} (${daysLeft} days)`));
  }
  return lines;
}

function renewTarget(source: string): string {
  return source.startsWith('TLS_CERT_FILE') ? 'replace the files (the app reloads them without a restart)' : 'install it on the proxy';
}

export async function checkCertificate(config: Config, options: CertificateCheckOptions): Promise<CheckLine[]> {
  const publicUrl = resolvePublicUrl(config, config.port);
  const host = new URL(publicUrl).hostname;
  if (options.tlsMode === 'proxy') {
    let served: ServedCertificate;
    try {
      served = await fetchServedCertificate(publicUrl, options.servedCa);
    } catch (error) {
      return [
        fail(
          GROUP,
          `could not fetch the certificate served at ${publicUrl}: ${error instanceof Error ? error.message : String(error)}`,
          'Start the proxy (and the app behind it) and check that PUBLIC_URL reaches it over HTTPS from here.',
        ),
      ];
    }
    const source = `the certificate served at ${publicUrl}`;
    return [
      served.trusted
        ? pass(GROUP, `${source} chains to a trusted root`)
        : fail(
            GROUP,
            `${source} is not trusted: ${served.trustError ?? 'unknown reason'}`,
            'Serve the full chain (leaf first, then the intermediates) of a certificate from a public CA on the proxy.',
          ),
      ...judgeChain(config, served.chainPem, host, source, options),
    ];
  }

  if (config.tls === null) {
    // The app issues itself a certificate from the development CA for the development hosts.
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    return (DEV_HOSTS as readonly string[]).includes(bare)
      ? [
          pass(
            GROUP,
            `the development certificate (made and renewed by the app) covers ${host}`,
            'Live mode needs TLS_CERT_FILE and TLS_KEY_FILE from a public CA.',
          ),
        ]
      : [
          fail(
            GROUP,
            `no TLS_CERT_FILE: the development certificate covers ${DEV_HOSTS.join(', ')}, not ${host}`,
            `Set TLS_CERT_FILE and TLS_KEY_FILE to a certificate for ${host}, or run behind a TLS-terminating proxy (proxy mode, docs/deploy.md).`,
          ),
        ];
  }

  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(config.tls.certFile, 'utf8'), readFile(config.tls.keyFile, 'utf8')]);
  } catch (error) {
    return [
      fail(
        GROUP,
        `cannot read TLS_CERT_FILE or TLS_KEY_FILE: ${error instanceof Error ? error.message : String(error)}`,
        'Point both at readable PEM files (the user running the app must be able to read them).',
      ),
    ];
  }
  const lines: CheckLine[] = [];
  try {
    tls.createSecureContext({ cert, key });
    lines.push(pass(GROUP, 'TLS_KEY_FILE is the private key of TLS_CERT_FILE'));
  } catch (error) {
    lines.push(
      fail(
        GROUP,
        `TLS_KEY_FILE does not go with TLS_CERT_FILE: ${error instanceof Error ? error.message : String(error)}`,
        'Use the key the certificate was issued for (with certbot: privkey.pem next to fullchain.pem).',
      ),
    );
  }
  return [...lines, ...judgeChain(config, cert, host, `TLS_CERT_FILE (${config.tls.certFile})`, options)];
}
