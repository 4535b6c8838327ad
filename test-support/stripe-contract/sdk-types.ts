// The `stripe` package's types, read with the TypeScript checker: a virtual module of
// `export type NameN = <SDK type>;` aliases, compiled against node_modules, gives each type's
// properties (and whether `?` marks them optional) as the compiler sees them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from '../tsx-node';

export function stripePackageVersion(): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, 'node_modules/stripe/package.json'), 'utf8')) as { version: string }).version;
}

/** The checker and, in order, the type of each SDK type expression (e.g. `Stripe.Checkout.Session`). */
export function resolveSdkTypes(expressions: readonly string[]): { checker: ts.TypeChecker; types: ts.Type[] } {
  const file = path.join(REPO_ROOT, 'test-support/stripe-contract/sdk-types.virtual.ts');
  const source = ["import type Stripe from 'stripe';", ...expressions.map((type, index) => `export type Type${index} = ${type};`)].join(
    '\n',
  );
  const options: ts.CompilerOptions = {
    strict: true,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, language) : getSourceFile(name, language);
  const program = ts.createProgram([file], options, host);
  const checker = program.getTypeChecker();
  const aliases = program.getSourceFile(file)!.statements.filter(ts.isTypeAliasDeclaration);
  return { checker, types: aliases.map((alias) => checker.getTypeAtLocation(alias.name)) };
}
