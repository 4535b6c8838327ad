// Starting the lab: the shop in lab mode (LAB_MODE=true, emulated: config.ts refuses it
// otherwise) with a webhook secret fixed for the run, so an attack can stand for a genuine
// delivery that was captured and re-sent.
import { randomBytes } from 'node:crypto';
import { launchApp, type AppOptions, type LaunchedApp } from '../../test-support/app-launcher';
import type { LabTarget } from './target';

export interface LaunchedLab {
  app: LaunchedApp;
  target: LabTarget;
}

export async function launchLab(options: Omit<AppOptions, 'env'> = {}): Promise<LaunchedLab> {
  const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
  const app = await launchApp({ ...options, env: { LAB_MODE: 'true', EMULATOR_WEBHOOK_SECRET: webhookSecret } });
  return { app, target: { url: app.url, ca: app.ca, logFile: app.logFile, sqliteFile: app.sqliteFile(), webhookSecret } };
}
