// Every attack `npm run attack -- <name>` knows, and `npm run lab -- verify` runs.
import type { LabAttack } from '../attack';
import { clickjacking } from './clickjacking';
import { crossSite } from './cross-site';
import { panLeak } from './pan-leak';
import { priceTamper } from './price-tamper';
import { skimmer, weakCsp } from './skimmer';
import { tlsDowngrade } from './tls-downgrade';
import { webhookForgery } from './webhook-forgery';

export const LAB_ATTACKS: readonly LabAttack[] = [
  skimmer,
  weakCsp,
  webhookForgery,
  priceTamper,
  panLeak,
  clickjacking,
  tlsDowngrade,
  crossSite,
];

export function findAttack(name: string): LabAttack | undefined {
  return LAB_ATTACKS.find((attack) => attack.name === name);
}
