// GET /healthz: 200 while the app can serve (the database is open), 503 otherwise.
import express from 'express';
import type { Router } from 'express';

export function createHealthRouter(checkHealth: () => boolean): Router {
  const router = express.Router();
  router.get('/', (_req, res) => {
    const healthy = checkHealth();
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'unavailable' });
  });
  return router;
}
