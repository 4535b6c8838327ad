import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevCertificate } from '../../common/dev-certs';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dev-certs-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureDevCertificate', () => {
  it('issues a leaf for localhost, 127.0.0.1 and ::1 from a CA, not a self-signed leaf', async () => {
    const cert = await ensureDevCertificate({ dir });
    const [leafPem] = cert.cert.split(/(?<=-----END CERTIFICATE-----)\n/);
    const leaf = new X509Certificate(leafPem ?? '');
    const ca = new X509Certificate(cert.ca);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(await readFile(cert.caPath, 'utf8')).toBe(cert.ca);
  });

  it('reuses the same CA and leaf across runs', async () => {
    const first = await ensureDevCertificate({ dir });
    const second = await ensureDevCertificate({ dir });
    expect(second).toEqual(first);
  });

  it('creates one CA when several callers race', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureDevCertificate({ dir })));
    expect(new Set(results.map((r) => r.ca)).size).toBe(1);
    expect(new Set(results.map((r) => r.cert)).size).toBe(1);
  });

  it('re-issues a leaf that the CA did not sign, keeping the CA', async () => {
    const first = await ensureDevCertificate({ dir });
    await writeFile(path.join(dir, 'localhost.pem'), first.ca); // a certificate the CA did not issue for localhost
    const second = await ensureDevCertificate({ dir });
    expect(second.ca).toBe(first.ca);
    expect(second.cert).not.toBe(first.cert);
  });

  it('serves TLS that a client trusting only the CA accepts for localhost', async () => {
    const cert = await ensureDevCertificate({ dir });
    const server = createServer({ cert: cert.cert, key: cert.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: cert.ca }, () => {
          resolve(socket.authorized);
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(authorized).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
