// The TLS mode and the settings it needs agree. App mode (default): the app terminates TLS with
// its own certificate. Proxy mode: a TLS-terminating proxy in front, plain HTTP to the app, so
// the app must trust the proxy's forwarded headers (TRUST_PROXY) and holds no certificate.
import type { Config } from '../../server/src/config';
import { fail, pass, type CheckLine } from './checklist';
import type { TlsMode } from './certificate';

const GROUP = 'TLS mode';

/** The configured mode: `config.tlsMode` where the configuration has one, otherwise app mode (the only mode before it). */
export function configuredTlsMode(config: Config): TlsMode {
  const mode = (config as Config & { tlsMode?: unknown }).tlsMode;
  return mode === 'proxy' ? 'proxy' : 'app';
}

export function checkTlsMode(config: Config, tlsMode: TlsMode): CheckLine[] {
  if (tlsMode === 'app') {
    return [
      pass(
        GROUP,
        config.tls
          ? 'app: the app terminates TLS 1.2+ with TLS_CERT_FILE and TLS_KEY_FILE'
          : 'app: the app terminates TLS 1.2+ with a development certificate',
      ),
    ];
  }
  const lines: CheckLine[] = [];
  lines.push(
    config.trustProxyHops >= 1
      ? pass(GROUP, `proxy: TRUST_PROXY=${config.trustProxyHops} (the app believes that many proxy hops)`)
      : fail(
          GROUP,
          'proxy mode without TRUST_PROXY: the app cannot tell an https request from a plain one',
          'Set TRUST_PROXY to the number of proxies in front of the app (1 for one load balancer).',
        ),
  );
  lines.push(
    config.publicUrl !== null
      ? pass(GROUP, `proxy: PUBLIC_URL is ${config.publicUrl}`)
      : fail(
          GROUP,
          'proxy mode without PUBLIC_URL',
          'Set PUBLIC_URL to the https:// address the proxy serves, e.g. https://shop.example.com.',
        ),
  );
  lines.push(
    config.tls === null
      ? pass(GROUP, 'proxy: no TLS_CERT_FILE (the proxy holds the certificate)')
      : fail(
          GROUP,
          'proxy mode with TLS_CERT_FILE set: the app does not serve it',
          'Unset TLS_CERT_FILE and TLS_KEY_FILE; install the certificate on the proxy.',
        ),
  );
  return lines;
}
