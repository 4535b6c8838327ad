// Seeds the contract fixtures (test-support/stripe-contract) offline, from the pinned `stripe`
// package's TypeScript types: for each field the app reads (server/src/payments/stripe-fields-read.ts),
// the JSON types its declared type allows. A recording against Stripe (`npm run test:contract`)
// replaces them with what Stripe sends. Run: npx tsx scripts/stripe-contract/seed-from-types.ts
import ts from 'typescript';
import { STRIPE_FIELDS_READ, type StripeAnswerName } from '../../server/src/payments/stripe-fields-read';
import { HANDLED_EVENT_TYPES } from '../../server/src/payments/webhook-events';
import { ANSWER_NAMES, writeFixture, type FieldType } from '../../test-support/stripe-contract/contract';
import { resolveSdkTypes, stripePackageVersion } from '../../test-support/stripe-contract/sdk-types';

/** The SDK type of each answer (as the app's calls are typed). */
function sdkType(name: StripeAnswerName): string {
  if (name.startsWith('event:')) return `Extract<Stripe.Event, { type: '${name.slice('event:'.length)}' }>`;
  const types: Record<string, string> = {
    'checkout.sessions.create': 'Stripe.Checkout.Session',
    'checkout.sessions.retrieve': 'Stripe.Checkout.Session',
    'paymentIntents.create': 'Stripe.PaymentIntent',
    'paymentIntents.retrieve': 'Stripe.PaymentIntent',
    'charges.retrieve': 'Stripe.Charge',
    'disputes.retrieve': 'Stripe.Dispute',
    'accounts.create': 'Stripe.Account',
    'accounts.retrieve': 'Stripe.Account',
    'accountSessions.create': 'Stripe.AccountSession',
    // Listed with `types` = the handled ones (reconcile.ts).
    'events.list': `Stripe.ApiList<Extract<Stripe.Event, { type: ${HANDLED_EVENT_TYPES.map((type) => `'${type}'`).join(' | ')} }>>`,
  };
  const type = types[name];
  if (!type) throw new Error(`No SDK type for ${name}: add it to seed-from-types.ts`);
  return type;
}

/** A type as its union members (a field's type is kept as the list: the checker builds no unions for us). */
function members(types: readonly ts.Type[]): ts.Type[] {
  return types.flatMap((type) => (type.isUnion() ? type.types : [type]));
}

function jsonTypes(checker: ts.TypeChecker, types: readonly ts.Type[]): FieldType[] {
  return members(types).map((member): FieldType => {
    // `string & {}` (the SDK's open string enums) is a string.
    const flags = member.isIntersection() ? member.types.reduce((all, part) => all | part.flags, 0) : member.flags;
    if (flags & ts.TypeFlags.Null) return 'null';
    if (flags & ts.TypeFlags.Undefined) return 'absent';
    if (flags & ts.TypeFlags.StringLike) return 'string';
    if (flags & ts.TypeFlags.NumberLike) return 'number';
    if (flags & ts.TypeFlags.BooleanLike) return 'boolean';
    if (checker.isArrayType(member) || checker.isTupleType(member)) return 'array';
    if (flags & ts.TypeFlags.Object) return 'object';
    throw new Error(`No JSON type for ${checker.typeToString(member)}`);
  });
}

/** The type one segment down: a property (or the string index: metadata), or each array element for `[]`. */
function child(
  checker: ts.TypeChecker,
  parent: readonly ts.Type[],
  segment: string,
  where: string,
): { types: ts.Type[]; optional: boolean } {
  const key = segment.replace(/\[\]$/, '');
  const found: ts.Type[] = [];
  let optional = false;
  // Only the object members go down: an expandable field's id string is what an unexpanded answer sends.
  for (const member of members(parent).filter((type) => type.flags & ts.TypeFlags.Object && !checker.isArrayType(type))) {
    const property = member.getProperty(key);
    if (property) {
      optional ||= (property.flags & ts.SymbolFlags.Optional) !== 0;
      found.push(checker.getTypeOfSymbol(property));
    } else {
      const index = member.getStringIndexType();
      if (!index) throw new Error(`${where}: no field ${key} on ${checker.typeToString(member)}`);
      optional = true;
      found.push(index);
    }
  }
  if (found.length === 0)
    throw new Error(`${where}: ${parent.map((type) => checker.typeToString(type)).join(' | ')} has no object to read ${key} from`);
  if (segment.endsWith('[]')) {
    const element = members(found).find((member) => checker.isArrayType(member));
    if (!element) throw new Error(`${where}: ${key} is not an array`);
    return { types: [checker.getTypeArguments(element as ts.TypeReference)[0]!], optional };
  }
  return { types: found, optional };
}

function seed(): void {
  const version = stripePackageVersion();
  const { checker, types: roots } = resolveSdkTypes(ANSWER_NAMES.map(sdkType));
  for (const [index, name] of ANSWER_NAMES.entries()) {
    const root = roots[index]!;
    const fields: Record<string, FieldType[]> = {};
    for (const field of STRIPE_FIELDS_READ[name]) {
      let types = [root];
      let optional = false;
      for (const segment of field.split('.')) ({ types, optional } = child(checker, types, segment, `${name} ${field}`));
      fields[field] = [...jsonTypes(checker, types), ...(optional ? (['absent'] as const) : [])];
    }
    writeFixture(name, { source: `stripe-node ${version} types`, fields });
    console.log(`seeded ${name}: ${Object.keys(fields).length} fields`);
  }
}

seed();
