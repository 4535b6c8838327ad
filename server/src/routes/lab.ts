// The lab panel's API (lab mode only: app.ts mounts it only when main.ts made a LabControls).
// GET the switches; PUT /<name> with `{ "on": boolean }` flips one. Same origin check as the
// shop's API, always on: the lab's own `origin-check` switch is for the shop's API only, so no
// other site can turn a control off in an attendee's browser.
import express from 'express';
import type { Router } from 'express';
import { z } from 'zod';
import { isLabControlName } from '../../../common/lab';
import { AppError } from '../errors';
import type { LabControls } from '../lab/controls';
import { originCheckMiddleware } from '../security/origin-check';

const SwitchSchema = z.strictObject({ on: z.boolean({ error: 'on must be true or false' }) });

export function createLabRouter(lab: LabControls, publicUrl: string): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/', (_req, res) => {
    res.json(lab.state());
  });
  router.put('/:name', originCheckMiddleware(publicUrl), (req, res) => {
    const name = req.params['name'];
    if (!isLabControlName(name)) throw new AppError(404, 'not_found', `There is no lab control named ${String(name).slice(0, 40)}.`);
    if (!req.is('application/json')) {
      throw new AppError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
    }
    const parsed = SwitchSchema.safeParse(req.body);
    if (!parsed.success)
      throw new AppError(400, 'invalid_request', parsed.error.issues[0]?.message ?? 'Send { "on": true } or { "on": false }.');
    lab.set(name, parsed.data.on);
    res.json(lab.state());
  });
  return router;
}
