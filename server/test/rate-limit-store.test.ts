// The shared rate-limit store (RATE_LIMIT_STORE=database) on every engine: counts survive
// across handles on the same database (what several instances see), windows restart, and
// the limiter built on it answers 429 once the shared count passes the limit.
import type { Server } from 'node:http';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openPostgresDatabase } from '../src/store/database';
import type { AppDatabase } from '../src/store/database';
import { createDatabaseRateLimitStore } from '../src/store/rate-limit-store';
import { createTestDatabase, describeEachEngine } from './helpers/databases';
import type { TestDatabase } from './helpers/databases';

describeEachEngine('database rate-limit store', (engine) => {
  let test: TestDatabase;
  let other: AppDatabase;
  beforeEach(async () => {
    test = await createTestDatabase(engine);
    // A second instance: its own connection pool on PostgreSQL; SQLite serves one host, one connection.
    other = engine === 'postgres' ? await openPostgresDatabase(test.url) : test.database;
  });
  afterEach(async () => {
    if (other !== test.database) await other.close();
    await test.drop();
  });

  async function storeOn(database: AppDatabase, name = 'checkout', windowMs = 60_000) {
    const store = createDatabaseRateLimitStore(database, name);
    await store.init?.({ windowMs } as Parameters<NonNullable<typeof store.init>>[0]);
    return store;
  }

  it('counts one client across instances, and keeps limiter groups and clients apart', async () => {
    const a = await storeOn(test.database);
    const b = await storeOn(other);
    const first = await a.increment('::1');
    expect(first.totalHits).toBe(1);
    expect(first.resetTime?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect((await b.increment('::1')).totalHits).toBe(2);
    expect((await a.increment('::1')).totalHits).toBe(3);
    expect((await b.increment('10.0.0.9')).totalHits).toBe(1);
    expect((await (await storeOn(other, 'orders')).increment('::1')).totalHits).toBe(1);
    expect((await a.get?.('::1'))?.totalHits).toBe(3);
    await a.shutdown?.();
    await b.shutdown?.();
  });

  it('restarts the count when the window has passed', async () => {
    const store = await storeOn(test.database, 'api', 50);
    await store.increment('::1');
    await store.increment('::1');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get?.('::1')).toBeUndefined();
    expect((await store.increment('::1')).totalHits).toBe(1);
    await store.shutdown?.();
  });

  it('decrements and resets a client', async () => {
    const store = await storeOn(test.database);
    await store.increment('::1');
    await store.increment('::1');
    await store.decrement('::1');
    expect((await store.get?.('::1'))?.totalHits).toBe(1);
    await store.resetKey('::1');
    expect(await store.get?.('::1')).toBeUndefined();
    await store.shutdown?.();
  });

  it('makes express-rate-limit answer 429 once two instances together pass the limit', async () => {
    const statuses: number[] = [];
    const instances = [test.database, other].map((database) => {
      const app = express();
      app.use(rateLimit({ windowMs: 60_000, limit: 3, store: createDatabaseRateLimitStore(database, 'checkout'), validate: false }));
      app.get('/', (_req, res) => res.send('ok'));
      return app;
    });
    const servers = await Promise.all(
      instances.map(
        (app) =>
          new Promise<Server>((resolve) => {
            const server = app.listen(0, '127.0.0.1', () => resolve(server));
          }),
      ),
    );
    try {
      for (const server of [...servers, ...servers]) {
        const address = server.address();
        const port = typeof address === 'object' && address ? address.port : 0;
        statuses.push((await fetch(`http://127.0.0.1:${port}/`)).status);
      }
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
