// Seeds test-support/stripe-contract/keys-sent.json from Stripe's OpenAPI fixtures: the example
// object of each resource the emulator answers with, as Stripe serves it (stripe/openapi
// `openapi/fixtures3.json`, which stripe-mock serves too). Only the key names are kept, never a
// value. They name the keys the SDK types mark optional (`?`) but Stripe sends all the same
// (`amount_details`, `transfer_data`, `phone_number_collection`, …).
// Run: npx tsx scripts/stripe-contract/seed-sent-keys.ts <fixtures3.json> "<where it came from>"
import { readFileSync } from 'node:fs';
import { SDK_OBJECTS, writeKeysSent } from '../../test-support/stripe-contract/required-keys';

const [file, source] = process.argv.slice(2);
if (!file || !source) {
  console.error(
    'Usage: npx tsx scripts/stripe-contract/seed-sent-keys.ts <path to stripe/openapi openapi/fixtures3.json> "<repository, commit, date>"',
  );
  process.exit(1);
}
const resources = (JSON.parse(readFileSync(file, 'utf8')) as { resources: Record<string, Record<string, unknown>> }).resources;
const objects: Record<string, string[]> = {};
for (const object of Object.keys(SDK_OBJECTS)) {
  const example = resources[object];
  if (!example) throw new Error(`${file} has no resource ${object}`);
  objects[object] = Object.keys(example).toSorted();
}
writeKeysSent({ source: `stripe/openapi openapi/fixtures3.json, ${source}`, objects });
console.log(`wrote the keys of ${Object.keys(objects).join(', ')}`);
