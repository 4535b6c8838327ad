// The contract check: the JSON types of each Stripe field the app reads (never values), as
// recorded from Stripe (or seeded from the pinned SDK's types), and the comparison of an answer
// (the emulator's) with them. One fixture per answer, in this folder: `<name>.json`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { STRIPE_FIELDS_READ, type StripeAnswerName } from '../../server/src/payments/stripe-fields-read';

/** A JSON type, or `absent`: the key may be missing (an optional field, a metadata key). */
export type FieldType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array' | 'absent';

export interface ContractFixture {
  /** Where the types came from: `stripe-node <version> types`, or `Stripe test mode, <date>, API version <version>`. */
  source: string;
  /** Each field the app reads → the types it may have. */
  fields: Record<string, FieldType[]>;
  /** Fields a recording could not reach (a null parent); their types are the earlier fixture's. */
  unobserved?: string[];
}

export const CONTRACT_DIR = path.dirname(new URL(import.meta.url).pathname);
export const ANSWER_NAMES = Object.keys(STRIPE_FIELDS_READ) as StripeAnswerName[];

/** `dir`: another folder of fixtures (a test's copy); the committed ones by default. */
export function fixturePath(name: StripeAnswerName, dir = CONTRACT_DIR): string {
  return path.join(dir, `${name.replace(':', '.')}.json`);
}

export function readFixture(name: StripeAnswerName, dir = CONTRACT_DIR): ContractFixture {
  return JSON.parse(readFileSync(fixturePath(name, dir), 'utf8')) as ContractFixture;
}

/** Written as prettier formats it (one field a line), so a recording leaves `npm run lint` green. */
export function writeFixture(name: StripeAnswerName, fixture: ContractFixture, dir = CONTRACT_DIR): void {
  const fields = Object.entries(fixture.fields).map(
    ([field, types]) =>
      `    ${JSON.stringify(field)}: [${[...new Set(types)]
        .sort()
        .map((type) => JSON.stringify(type))
        .join(', ')}]`,
  );
  const lines = [`  "source": ${JSON.stringify(fixture.source)}`, `  "fields": {\n${fields.join(',\n')}\n  }`];
  if (fixture.unobserved?.length) lines.push(`  "unobserved": [${fixture.unobserved.map((field) => JSON.stringify(field)).join(', ')}]`);
  writeFileSync(fixturePath(name, dir), `{\n${lines.join(',\n')}\n}\n`);
}

export function typeOf(value: unknown): FieldType {
  if (value === null) return 'null';
  if (value === undefined) return 'absent';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'object') return type;
  throw new Error(`Not a JSON value: ${type}`);
}

/**
 * The values at a path: one per array element for `[]`. A path under a null (or absent)
 * parent reaches nothing: that parent's own entry says whether null was allowed.
 */
export function valuesAt(answer: unknown, field: string): unknown[] {
  let values: unknown[] = [answer];
  const segments = field.split('.');
  for (const [index, segment] of segments.entries()) {
    const key = segment.endsWith('[]') ? segment.slice(0, -2) : segment;
    values = values.flatMap((value) => {
      if (value === null || typeof value !== 'object') return [];
      const child = (value as Record<string, unknown>)[key];
      if (!segment.endsWith('[]')) return [child];
      return Array.isArray(child) ? child : [];
    });
    // Only the last segment's absence is reported; an absent parent is its own entry's concern.
    if (index < segments.length - 1) values = values.filter((value) => value !== undefined);
  }
  return values;
}

/** What an answer breaks of the fixture: a field missing, or of a type the fixture does not allow. */
export function contractViolations(fixture: ContractFixture, answer: unknown): string[] {
  const violations: string[] = [];
  for (const [field, allowed] of Object.entries(fixture.fields)) {
    for (const value of valuesAt(answer, field)) {
      const type = typeOf(value);
      if (allowed.includes(type)) continue;
      violations.push(
        type === 'absent'
          ? `${field}: missing (Stripe sends ${allowed.join(' | ')})`
          : `${field}: ${type}, Stripe sends ${allowed.join(' | ')}`,
      );
    }
  }
  return violations;
}

/** The types an answer shows for each field read, and the fields it could not reach. */
export function observeShape(
  name: StripeAnswerName,
  answers: readonly unknown[],
): { fields: Record<string, FieldType[]>; unobserved: string[] } {
  const fields: Record<string, FieldType[]> = {};
  const unobserved: string[] = [];
  for (const field of STRIPE_FIELDS_READ[name]) {
    const types = answers.flatMap((answer) => valuesAt(answer, field).map(typeOf));
    if (types.length === 0) unobserved.push(field);
    else fields[field] = [...new Set(types)];
  }
  return { fields, unobserved };
}
