// A client that offers only TLS 1.0 and the weakest suites, as a downgrade attacker in the
// middle would leave it. The same probe by hand:
//   openssl s_client -connect localhost:<port> -tls1 -cipher DEFAULT@SECLEVEL=0
import tls from 'node:tls';
import type { LabAttack } from '../attack';
import type { LabTarget } from '../target';

/** Resolves with the protocol and suite agreed, or null when the server refused the handshake. */
export function handshake(target: LabTarget, version: tls.SecureVersion): Promise<{ protocol: string; cipher: string } | null> {
  const url = new URL(target.url);
  return new Promise((resolve) => {
    const socket = tls.connect(
      {
        host: url.hostname,
        port: Number(url.port),
        servername: url.hostname,
        ca: target.ca,
        minVersion: version,
        maxVersion: version,
        ciphers: 'DEFAULT@SECLEVEL=0',
      },
      () => {
        resolve({ protocol: socket.getProtocol() ?? '?', cipher: socket.getCipher().name });
        socket.end();
      },
    );
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('error', () => resolve(null));
    socket.on('close', () => resolve(null));
  });
}

export const tlsDowngrade: LabAttack = {
  name: 'tls-downgrade',
  summary: 'Connect offering only TLS 1.0, then only TLS 1.1, with every weak suite at OpenSSL security level 0.',
  why: 'TLS 1.0/1.1 and CBC/SHA-1 suites have practical attacks (BEAST, POODLE-style padding oracles); PCI DSS 4.0 req. 4.2.1 asks for strong cryptography, and Stripe refuses them (https://docs.stripe.com/security/guide#tls).',
  cases: [
    {
      label: 'TLS 1.0 / 1.1',
      control: 'tls-policy',
      async run(target: LabTarget) {
        const port = new URL(target.url).port;
        const results = [];
        for (const version of ['TLSv1', 'TLSv1.1'] as const) results.push({ version, agreed: await handshake(target, version) });
        return {
          succeeded: results.some((result) => result.agreed !== null),
          observed: [
            ...results.map(({ version, agreed }) =>
              agreed ? `${version}: handshake completed (${agreed.protocol}, ${agreed.cipher})` : `${version}: refused`,
            ),
            `by hand: openssl s_client -connect localhost:${port} -tls1 -cipher DEFAULT@SECLEVEL=0`,
          ],
        };
      },
    },
  ],
};
