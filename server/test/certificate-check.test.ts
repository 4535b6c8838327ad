// Live mode serves only a certificate customers' browsers accept for PUBLIC_URL: never one from
// the development CA, never one for another host; at startup and on every hot reload.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { createTlsOptions, loadTlsCredentials, watchCertificateFiles } from '../src/security/tls';
import { ensureDevCertificate } from '../../common/dev-certs';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A CA of our own standing in for a public one (Let's Encrypt and the like). */
async function makeCa(name: string) {
  const now = Date.now();
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 90 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return { cert: ca.cert, key: ca.private };
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

/** A leaf for `altNames` issued by `ca`, written as a full chain (leaf first) and its key. */
async function makeLeaf(ca: { cert: string; key: string }, commonName: string, altNames: AltName[]) {
  const now = Date.now();
  const leaf = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - DAY_MS),
    notAfterDate: new Date(now + 90 * DAY_MS),
    ca,
    extensions: [{ name: 'subjectAltName', altNames }],
  });
  return { cert: `${leaf.cert.trim()}\n${ca.cert.trim()}\n`, key: leaf.private, ca: ca.cert };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writePair(pair: { cert: string; key: string }, dir = mkdtempSync(path.join(os.tmpdir(), 'sss-cert-'))) {
  dirs.push(dir);
  const files = { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem') };
  writeFileSync(files.certFile, pair.cert);
  writeFileSync(files.keyFile, pair.key);
  return files;
}

const live = (host: string) => ({ requirements: { host } });

describe('live-mode certificate at startup', () => {
  it('accepts a public CA certificate that names the PUBLIC_URL host (exactly, by wildcard, or by IP address)', async () => {
    const ca = await makeCa('Example Public CA');
    const exact = writePair(await makeLeaf(ca, 'shop.example.com', [{ type: 2, value: 'shop.example.com' }]));
    await expect(loadTlsCredentials({ ...exact, ...live('shop.example.com') })).resolves.toMatchObject({ caPath: null });
    const wildcard = writePair(await makeLeaf(ca, 'example.com', [{ type: 2, value: '*.example.com' }]));
    await expect(loadTlsCredentials({ ...wildcard, ...live('shop.example.com') })).resolves.toMatchObject({ caPath: null });
    const ips = writePair(
      await makeLeaf(ca, 'ips', [
        { type: 7, ip: '203.0.113.7' },
        { type: 7, ip: '2001:db8::1' },
      ]),
    );
    await expect(loadTlsCredentials({ ...ips, ...live('203.0.113.7') })).resolves.toMatchObject({ caPath: null });
    await expect(loadTlsCredentials({ ...ips, ...live('[2001:db8::1]') })).resolves.toMatchObject({ caPath: null });
  });

  it('refuses the development certificate (what `npm start` serves) for PUBLIC_URL=https://shop.example.com', async () => {
    const dev = await ensureDevCertificate();
    const files = writePair(dev);
    await expect(loadTlsCredentials({ ...files, ...live('shop.example.com') })).rejects.toThrow(
      /TLS_CERT_FILE comes from the development CA.*live mode needs a certificate from a public CA.*for shop\.example\.com\. Set TLS_CERT_FILE and TLS_KEY_FILE/,
    );
    // Even for a host it covers: only this machine trusts it.
    await expect(loadTlsCredentials({ ...files, ...live('localhost') })).rejects.toThrow(/comes from the development CA/);
    // Outside live mode (no requirements) it is what development serves.
    await expect(loadTlsCredentials(files)).resolves.toMatchObject({ caPath: null });
  });

  it("refuses a certificate from another checkout's development CA (same name, another key) and the CA certificate itself", async () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'sss-other-ca-'));
    dirs.push(elsewhere);
    const other = await ensureDevCertificate({ dir: elsewhere });
    const files = writePair(other);
    await expect(loadTlsCredentials({ ...files, ...live('localhost') })).rejects.toThrow(/comes from the development CA/);

    // A leaf for shop.example.com signed by that CA's key.
    const caKey = readFileSync(path.join(elsewhere, 'dev-ca-key.pem'), 'utf8');
    const forged = writePair(await makeLeaf({ cert: other.ca, key: caKey }, 'shop.example.com', [{ type: 2, value: 'shop.example.com' }]));
    await expect(loadTlsCredentials({ ...forged, ...live('shop.example.com') })).rejects.toThrow(/comes from the development CA/);
  });

  it('refuses a certificate that does not cover the PUBLIC_URL host, as a browser judges it (subjectAltName, never the CN)', async () => {
    const ca = await makeCa('Example Public CA');
    const other = writePair(await makeLeaf(ca, 'shop.example.com', [{ type: 2, value: 'other.example.com' }]));
    await expect(loadTlsCredentials({ ...other, ...live('shop.example.com') })).rejects.toThrow(
      /TLS_CERT_FILE does not cover shop\.example\.com, the host of PUBLIC_URL \(it names DNS:other\.example\.com\)\. Use a certificate issued for shop\.example\.com, or set PUBLIC_URL/,
    );
    const deeper = writePair(await makeLeaf(ca, 'x', [{ type: 2, value: '*.example.com' }]));
    await expect(loadTlsCredentials({ ...deeper, ...live('a.shop.example.com') })).rejects.toThrow(/does not cover a\.shop\.example\.com/);
    const ip = writePair(await makeLeaf(ca, '203.0.113.7', [{ type: 2, value: 'shop.example.com' }]));
    await expect(loadTlsCredentials({ ...ip, ...live('203.0.113.7') })).rejects.toThrow(/does not cover 203\.0\.113\.7/);
  });
});

describe('live-mode certificate on hot reload', () => {
  it('keeps serving the previous certificate, and logs an error, when the new one does not suit PUBLIC_URL', async () => {
    const ca = await makeCa('Example Public CA');
    const first = await makeLeaf(ca, 'first', [{ type: 2, value: 'shop.example.com' }]);
    const files = { ...writePair(first), ...live('shop.example.com') };
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
    const servedCn = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'shop.example.com', rejectUnauthorized: false }, () => {
          resolve(String(socket.getPeerCertificate().subject.CN));
          socket.end();
        });
        socket.on('error', reject);
      });
    const logged = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(lines.join('')); i++) await new Promise((resolve) => setTimeout(resolve, 30));
      return lines.join('');
    };
    const replace = (pair: { cert: string; key: string }) => {
      // Key first, then certificate: the pair is valid once both are written.
      writeFileSync(files.keyFile, pair.key);
      writeFileSync(files.certFile, pair.cert);
    };

    try {
      expect(await servedCn()).toBe('first');
      replace(await ensureDevCertificate());
      expect(await logged(/comes from the development CA/)).toMatch(
        /"level":50[^\n]*comes from the development CA[^\n]*TLS certificate change refused: the previous certificate is still served/,
      );
      expect(await servedCn()).toBe('first');

      // Each file's watcher may reload, so a refusal can be logged twice: wait for this one's reason.
      replace(await makeLeaf(ca, 'elsewhere', [{ type: 2, value: 'other.example.com' }]));
      expect(await logged(/does not cover shop\.example\.com/)).toMatch(
        /"level":50[^\n]*does not cover shop\.example\.com[^\n]*TLS certificate change refused/,
      );
      expect(await servedCn()).toBe('first');

      replace(await makeLeaf(ca, 'renewed', [{ type: 2, value: 'shop.example.com' }]));
      expect(await logged(/TLS certificate reloaded/)).toContain('TLS certificate reloaded');
      expect(await servedCn()).toBe('renewed');
    } finally {
      stop();
      server.closeAllConnections();
      server.close();
    }
  });
});
