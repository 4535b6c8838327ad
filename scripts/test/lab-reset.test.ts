// `npm run lab -- reset`: removes the lab's state folder and nothing else (the development CA and
// npm start's database stay), refuses while the lab's port is in use, and the lab's database is
// inside the folder it removes.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CERT_DIR } from '../../common/dev-certs';
import { loadConfig } from '../../server/src/config';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { LAB_DATABASE_URL, LAB_MONITOR_BASELINE } from '../lab/lab-state';
import { LAB_DIR as LAB_STATE_DIR } from '../lab/target';
import { resetLab } from '../lab/reset';

let root: string;
let stateDir: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lab-reset-'));
  stateDir = path.join(root, 'data', 'lab');
  await mkdir(path.join(stateDir, 'reports'), { recursive: true });
  await mkdir(path.join(root, '.certs'));
  await writeFile(path.join(stateDir, 'lab.sqlite'), 'orders');
  await writeFile(path.join(stateDir, 'lab.sqlite-wal'), 'wal');
  await writeFile(path.join(stateDir, 'reports', 'csp.json'), '{}');
  await writeFile(path.join(root, '.certs', 'dev-ca.pem'), 'the CA');
  await writeFile(path.join(root, 'data', 'app.sqlite'), 'npm start orders');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function withServer<T>(fn: (port: number) => Promise<T>): Promise<T> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function freePort(): Promise<number> {
  return withServer((port) => Promise.resolve(port));
}

describe('npm run lab -- reset', () => {
  it("removes the lab's state folder, keeping the development CA and npm start's database", async () => {
    const outcome = await resetLab({ stateDir, port: await freePort() });
    expect(outcome).toMatchObject({ ok: true, removed: true });
    expect(existsSync(stateDir)).toBe(false);
    expect(await readFile(path.join(root, '.certs', 'dev-ca.pem'), 'utf8')).toBe('the CA');
    expect(await readFile(path.join(root, 'data', 'app.sqlite'), 'utf8')).toBe('npm start orders');
  });

  it('is a no-op the second time', async () => {
    await resetLab({ stateDir, port: await freePort() });
    expect(await resetLab({ stateDir, port: await freePort() })).toMatchObject({ ok: true, removed: false });
  });

  it("refuses while the lab's port is in use, removing nothing", async () => {
    const outcome = await withServer((port) => resetLab({ stateDir, port }));
    expect(outcome).toMatchObject({ ok: false, message: expect.stringContaining('stop the lab first') as unknown });
    expect(await readFile(path.join(stateDir, 'lab.sqlite'), 'utf8')).toBe('orders');
  });

  it("keeps the lab's database and monitor baseline inside the folder it removes, and that folder away from the CA", () => {
    // As the app reads DATABASE_URL, from the repository (where the lab starts).
    const database = loadConfig({ DATABASE_URL: LAB_DATABASE_URL }).database;
    if (database.engine !== 'sqlite') throw new Error('the lab database is a SQLite file');
    const file = path.resolve(REPO_ROOT, database.file);
    for (const inside of [file, path.resolve(REPO_ROOT, LAB_MONITOR_BASELINE)]) {
      expect(path.relative(LAB_STATE_DIR, inside).startsWith('..'), inside).toBe(false);
    }
    expect(path.relative(LAB_STATE_DIR, DEFAULT_CERT_DIR).startsWith('..')).toBe(true);
    expect(path.relative(DEFAULT_CERT_DIR, LAB_STATE_DIR).startsWith('..')).toBe(true);
  });
});
