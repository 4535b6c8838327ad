// GET /healthz: 200 while the app can serve (the database answers), 503 otherwise.
import express from 'express';
import type { Router } from 'express';

/** Where the router is mounted; behind a proxy it is also the one path answered over plain HTTP (security/forwarded-https.ts). */
export const HEALTH_PATH = '/healthz';

export function createHealthRouter(checkHealth: () => Promise<boolean>): Router {
  const router = express.Router();
  router.get('/', async (_req, res) => {
    const healthy = await checkHealth();
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable' });
  });
  return router;
}
