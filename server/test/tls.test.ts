// TLS versions and ciphers, certificate hot reload, and the HTTP→HTTPS redirect port.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { SecureVersion } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpsRedirectHandler } from '../src/http-redirect';
import { createLogger } from '../src/logger';
import { TLS_CIPHERS, createTlsOptions, loadTlsCredentials, watchCertificateFiles } from '../src/security/tls';
import { ensureDevCertificate } from '../../common/dev-certs';
import { isForwardSecretAead, probeTls } from '../../test-support/tls-probe';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

let app: TestApp;
beforeAll(async () => {
  // Node already defaults to TLS 1.2 as a minimum, but a flag (--tls-min-v1.0) or an
  // embedding process can lower that default: the server must refuse old protocols on its own.
  tls.DEFAULT_MIN_VERSION = 'TLSv1';
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

interface Handshake {
  ok: boolean;
  protocol?: string | null;
  cipher?: string;
  error?: string;
}

function handshake(
  port: number,
  options: { min: SecureVersion; max: SecureVersion; ciphers?: string; ca?: string; servername?: string },
): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: options.servername ?? 'localhost',
      minVersion: options.min,
      maxVersion: options.max,
      // Let this client offer old protocols at all (OpenSSL 3 refuses them at level 1+),
      // so the refusal we see is the server's.
      ciphers: options.ciphers ?? 'DEFAULT@SECLEVEL=0',
      ca: options.ca ?? app.ca,
    });
    socket.once('secureConnect', () => {
      resolve({ ok: true, protocol: socket.getProtocol(), cipher: socket.getCipher().name });
      socket.end();
    });
    socket.once('error', (error) => resolve({ ok: false, error: error.message }));
  });
}

describe('TLS', () => {
  it('offers exactly TLS 1.2 and 1.3, forward-secret AEAD suites only, and a trusted certificate', async () => {
    const result = await probeTls({ host: '127.0.0.1', port: app.port, servername: 'localhost', ca: app.ca });
    expect(result.versions).toEqual({ TLSv1: false, 'TLSv1.1': false, 'TLSv1.2': true, 'TLSv1.3': true });
    expect(result.tls12Suites.length).toBeGreaterThan(0);
    expect(result.tls13Suites.length).toBeGreaterThan(0);
    expect([...result.tls12Suites, ...result.tls13Suites].filter((suite) => !isForwardSecretAead(suite))).toEqual([]);
    expect(result.certificate.trusted).toBe(true);
  });

  it.each(['TLSv1', 'TLSv1.1'] as const)('refuses %s', async (version) => {
    const result = await handshake(app.port, { min: version, max: version });
    expect(result.ok).toBe(false);
  });

  it('accepts TLS 1.2 with an ECDHE AEAD cipher (Stripe webhooks need 1.2)', async () => {
    const result = await handshake(app.port, { min: 'TLSv1.2', max: 'TLSv1.2', ciphers: 'DEFAULT' });
    expect(result).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
    expect(result.cipher).toMatch(/^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
  });

  it('accepts TLS 1.3', async () => {
    const result = await handshake(app.port, { min: 'TLSv1.3', max: 'TLSv1.3', ciphers: 'DEFAULT' });
    expect(result).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  });

  // testssl.sh rates "no server cipher order" HIGH: the server picks from TLS_CIPHERS in its
  // own order, whatever order the client offers them in.
  const ourSuites = (prefix: RegExp) => TLS_CIPHERS.split(':').filter((suite) => prefix.test(suite));
  it.each([
    ['TLSv1.2', ourSuites(/^ECDHE-ECDSA-/)],
    ['TLSv1.3', ourSuites(/^TLS_/)],
  ] as const)('chooses its strongest %s suite when the client offers its weakest first', async (version, suites) => {
    // The dev certificate is ECDSA, so only the ECDSA suites of TLS 1.2 can be chosen.
    const strongest = suites[0];
    const weakestFirst = [...suites].reverse();
    const result = await handshake(app.port, { min: version, max: version, ciphers: weakestFirst.join(':') });
    expect(result).toMatchObject({ ok: true, protocol: version, cipher: strongest });
  });

  it('still gives ChaCha20 to a client that lists it first (phones without AES instructions)', async () => {
    const chacha = ourSuites(/^ECDHE-ECDSA-CHACHA20/)[0] ?? '';
    const result = await handshake(app.port, {
      min: 'TLSv1.2',
      max: 'TLSv1.2',
      ciphers: [chacha, ...ourSuites(/^ECDHE-ECDSA-AES/)].join(':'),
    });
    expect(result).toMatchObject({ ok: true, cipher: chacha });
  });

  it.each(['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'AES128-GCM-SHA256'])(
    'refuses the non-intermediate TLS 1.2 cipher %s',
    async (cipher) => {
      const result = await handshake(app.port, { min: 'TLSv1.2', max: 'TLSv1.2', ciphers: `${cipher}@SECLEVEL=0` });
      expect(result.ok).toBe(false);
    },
  );
});

async function makeCertificate(commonName: string) {
  const dev = await ensureDevCertificate();
  const devCaKey = path.join(path.dirname(dev.caPath), 'dev-ca-key.pem');
  const result = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    ca: { key: readFileSync(devCaKey, 'utf8'), cert: dev.ca },
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
  });
  return { cert: result.cert, key: result.private, ca: dev.ca };
}

describe('certificate hot reload', () => {
  it('serves a renewed certificate after the files change, and keeps the old one for a bad pair', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sss-tls-'));
    const files = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
    const first = await makeCertificate('first.localhost');
    writeFileSync(files.certFile, first.cert);
    writeFileSync(files.keyFile, first.key);
    const credentials = await loadTlsCredentials(files);
    const server = https.createServer(createTlsOptions(credentials), (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const lines: string[] = [];
    const stop = watchCertificateFiles(
      server,
      files,
      createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } }),
      20,
    );

    const subjectOf = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: first.ca }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.end();
        });
        socket.on('error', reject);
      });
    const waitFor = async (cn: string) => {
      for (let i = 0; i < 100; i++) {
        if ((await subjectOf()) === cn) return;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      throw new Error(`certificate ${cn} was never served`);
    };

    try {
      expect(await subjectOf()).toBe('first.localhost');
      const second = await makeCertificate('second.localhost');
      // A renewal written in two steps: cert first (a mismatched pair for a moment), then key.
      writeFileSync(files.certFile, second.cert);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await subjectOf()).toBe('first.localhost');
      writeFileSync(files.keyFile, second.key);
      await waitFor('second.localhost');
      expect(lines.join('')).toContain('TLS certificate reloaded');
    } finally {
      stop();
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses at startup a certificate file that cannot be read or does not match its key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sss-tls-'));
    try {
      await expect(
        loadTlsCredentials({ certFile: path.join(dir, 'missing.pem'), keyFile: path.join(dir, 'missing-key.pem') }),
      ).rejects.toThrow(/Cannot read TLS_CERT_FILE/);
      const a = await makeCertificate('a.localhost');
      const b = await makeCertificate('b.localhost');
      writeFileSync(path.join(dir, 'a.pem'), a.cert);
      writeFileSync(path.join(dir, 'b-key.pem'), b.key);
      await expect(loadTlsCredentials({ certFile: path.join(dir, 'a.pem'), keyFile: path.join(dir, 'b-key.pem') })).rejects.toThrow(
        /do not form a usable pair/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP port', () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer(createHttpsRedirectHandler('https://shop.example.com'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });

  function plainRequest(method: string, pathname: string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; location: string | undefined; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: pathname, headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      });
      req.on('error', reject);
      req.end(method === 'POST' ? '{"items":[]}' : undefined);
    });
  }

  it.each([
    ['GET', '/', 'https://shop.example.com/'],
    ['GET', '/success?session_id=cs_test_1', 'https://shop.example.com/success?session_id=cs_test_1'],
    ['POST', '/api/checkout-sessions', 'https://shop.example.com/api/checkout-sessions'],
    ['GET', '/api/products', 'https://shop.example.com/api/products'],
    ['GET', '//evil.example/x', 'https://shop.example.com//evil.example/x'],
  ])('answers %s %s with a permanent redirect to HTTPS and nothing else', async (method, pathname, location) => {
    const res = await plainRequest(method, pathname, { Host: 'evil.example' });
    expect(res).toEqual({ status: 308, location, body: '' });
  });
});
