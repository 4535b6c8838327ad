// The top-level keys Stripe sends on each object the emulator answers with: those the pinned
// `stripe` package's types (generated from Stripe's OpenAPI description) declare without `?`,
// `null` when they have no value, and those the types mark optional but Stripe's own example
// objects carry all the same (keys-sent.json: `amount_details`, `transfer_data`, …). Code that
// reads one without `?.` works against Stripe, so the emulator must send it too.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../tsx-node';
import { resolveSdkTypes } from './sdk-types';

/** The SDK's name for each object the emulator answers with (as `Stripe.<name>`). */
export type SdkObjectName = 'PaymentIntent' | 'Checkout.Session' | 'Charge' | 'Refund' | 'Dispute' | 'PaymentMethod' | 'BalanceTransaction';

/** For each name: its top-level keys declared without `?`, sorted. */
export function requiredKeys(names: readonly SdkObjectName[]): Record<SdkObjectName, string[]> {
  const { types } = resolveSdkTypes(names.map((name) => `Stripe.${name}`));
  const result = {} as Record<SdkObjectName, string[]>;
  for (const [index, name] of names.entries()) {
    const type = types[index]!;
    const properties = type.getProperties();
    if (properties.length === 0) throw new Error(`Stripe.${name} has no properties: is it still in the stripe package's types?`);
    result[name] = properties
      .filter((property) => (property.flags & ts.SymbolFlags.Optional) === 0)
      .map((property) => property.name)
      .toSorted();
  }
  return result;
}

/** Stripe's `object` value of each SDK object checked. */
export const SDK_OBJECTS: Record<string, SdkObjectName> = {
  payment_intent: 'PaymentIntent',
  'checkout.session': 'Checkout.Session',
  charge: 'Charge',
  refund: 'Refund',
  dispute: 'Dispute',
  payment_method: 'PaymentMethod',
  balance_transaction: 'BalanceTransaction',
};

/**
 * Keys the examples carry that the pinned API version leaves out unless asked for with
 * `expand[]`: a charge's `refunds` list since 2022-11-15 (https://docs.stripe.com/upgrades#2022-11-15).
 */
export const SENT_ONLY_WHEN_EXPANDED: Record<string, readonly string[]> = { charge: ['refunds'] };

/**
 * Every key Stripe sends on each checked object (by its `object` value): those the SDK types
 * declare without `?`, and those Stripe's example objects carry (keys-sent.json).
 */
export function keysStripeSends(): Record<string, string[]> {
  const required = requiredKeys(Object.values(SDK_OBJECTS));
  const { objects } = readKeysSent();
  return Object.fromEntries(
    Object.entries(SDK_OBJECTS).map(([object, name]) => {
      const sent = (objects[object] ?? []).filter((key) => !SENT_ONLY_WHEN_EXPANDED[object]?.includes(key));
      return [object, [...new Set([...required[name], ...sent])].toSorted()];
    }),
  );
}

/**
 * Walks an answer (expanded objects, lists and events' `data.object` included) and reports each
 * key a checked object lacks, as `charge.transfer_data`; `seen` collects the object types found.
 */
export function missingKeys(answer: unknown, expected: Record<string, string[]>, seen = new Set<string>()): string[] {
  const missing: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const object = record['object'];
    const keys = typeof object === 'string' ? expected[object] : undefined;
    if (typeof object === 'string' && keys) {
      seen.add(object);
      for (const key of keys) if (!(key in record)) missing.push(`${object}.${key}`);
    }
    Object.values(record).forEach(walk);
  };
  walk(answer);
  return missing;
}

/** keys-sent.json: the top-level keys of each object as Stripe serves it, by its `object` value. */
export interface KeysSent {
  source: string;
  objects: Record<string, string[]>;
}

const KEYS_SENT_FILE = path.join(REPO_ROOT, 'test-support/stripe-contract/keys-sent.json');

export function readKeysSent(): KeysSent {
  return JSON.parse(readFileSync(KEYS_SENT_FILE, 'utf8')) as KeysSent;
}

export function writeKeysSent(keys: KeysSent): void {
  writeFileSync(KEYS_SENT_FILE, `${JSON.stringify(keys, null, 2)}\n`);
}
