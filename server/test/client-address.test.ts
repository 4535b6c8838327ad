// The sender's address for answers given in front of the Express app (the webhook source
// check) is the one Express's req.ip gives under the app's `trust proxy` setting.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createClientAddress } from '../src/security/client-address';

/** Both answers for one request: Express's req.ip with `trust proxy` set as app.ts sets it, and ours. */
async function bothAddresses(hops: number, forwardedFor: string | undefined): Promise<{ express: string | undefined; ours: string }> {
  const app = express();
  app.set('trust proxy', hops > 0 ? hops : false);
  const ours = createClientAddress(hops);
  app.get('/', (req, res) => res.json({ express: req.ip, ours: ours(req) }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`, {
      headers: forwardedFor === undefined ? {} : { 'X-Forwarded-For': forwardedFor },
    });
    return (await res.json()) as { express: string | undefined; ours: string };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('createClientAddress', () => {
  const forwarded = [
    undefined,
    '',
    '203.0.113.7',
    '203.0.113.7, 198.51.100.9',
    '203.0.113.7,198.51.100.9, 192.0.2.1',
    'not-an-ip, 198.51.100.9',
    ' 2001:db8::5 , 203.0.113.7',
    '203.0.113.7, , 198.51.100.9',
  ];
  it.each([0, 1, 2, 3])('gives the address Express gives with %i trusted hops', async (hops) => {
    for (const header of forwarded) {
      const { express: expected, ours } = await bothAddresses(hops, header);
      expect(ours, `${hops} hops, X-Forwarded-For: ${String(header)}`).toBe(expected);
    }
    // And hops matter: with a proxy chain, what is believed moves left one entry per hop.
    const chain = await bothAddresses(hops, '203.0.113.7, 198.51.100.9, 192.0.2.1');
    expect(chain.ours).toBe(['127.0.0.1', '192.0.2.1', '198.51.100.9', '203.0.113.7'][hops]);
  });
});
