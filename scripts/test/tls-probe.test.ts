import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificate, type DevCertificate } from '../../common/dev-certs';
import { isForwardSecretAead, probeTls } from '../../test-support/tls-probe';

let cert: DevCertificate;
const servers: Server[] = [];

beforeAll(async () => {
  cert = await ensureDevCertificate();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(options: ServerOptions): Promise<number> {
  const server = createServer({ cert: cert.cert, key: cert.key, ...options }, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('probeTls', () => {
  it('reports a modern server: 1.2 and 1.3 only, forward-secret AEAD suites, trusted certificate', async () => {
    const port = await serve({ minVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305' });
    const result = await probeTls({ host: '127.0.0.1', port, servername: 'localhost', ca: cert.ca });
    expect(result.versions).toEqual({ TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
    expect(result.tls12Suites.sort()).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
    expect(result.tls13Suites.length).toBeGreaterThan(0);
    expect([...result.tls12Suites, ...result.tls13Suites].every(isForwardSecretAead)).toBe(true);
    expect(result.certificate).toMatchObject({ trusted: true, chainLength: 2 });
    expect(result.certificate.names).toContain('DNS:localhost');
    expect(result.certificate.daysToExpiry).toBeGreaterThan(30);
  });

  it('catches legacy protocols, non-forward-secret suites and an untrusted chain', async () => {
    const port = await serve({ minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' });
    const result = await probeTls({ host: '127.0.0.1', port, servername: 'localhost' });
    expect(result.versions.TLSv1).toBe(true);
    expect(result.versions['TLSv1.1']).toBe(true);
    expect(result.tls12Suites.some((suite) => !isForwardSecretAead(suite))).toBe(true);
    expect(result.certificate.trusted).toBe(false);
  });

  it.each([
    [true, ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384']],
    [false, ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384']],
  ])('tells whether the server chooses the suite (honorCipherOrder %s)', async (honorCipherOrder, chosen) => {
    const port = await serve({
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      honorCipherOrder,
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256',
    });
    const result = await probeTls({ host: '127.0.0.1', port, servername: 'localhost', ca: cert.ca });
    expect(result.serverOrder).toEqual([{ version: 'TLSv1.2', serverChooses: honorCipherOrder, chosen }]);
  });

  it('flags a certificate that does not cover the name asked for', async () => {
    const port = await serve({});
    const result = await probeTls({ host: '127.0.0.1', port, servername: 'shop.example', ca: cert.ca });
    expect(result.certificate.trusted).toBe(false);
    expect(result.certificate.trustError).toMatch(/shop\.example/);
  });
});

describe('isForwardSecretAead', () => {
  it.each([
    ['ECDHE-RSA-AES128-GCM-SHA256', true],
    ['ECDHE-ECDSA-CHACHA20-POLY1305', true],
    ['TLS_AES_256_GCM_SHA384', true],
    ['AES128-GCM-SHA256', false],
    ['ECDHE-RSA-AES128-SHA', false],
    ['ECDHE-RSA-AES256-SHA384', false],
  ])('%s → %s', (suite, expected) => {
    expect(isForwardSecretAead(suite)).toBe(expected);
  });
});
