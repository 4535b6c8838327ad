// The command line both benchmarks share (`npm run bench`, `npm run bench:load`): their own options
// plus `--client-dir`, `--json` and `--help`, validated by the command's zod schema; a bad value
// prints the problem and the usage and exits 2, as does a client build that is not there.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { REPO_ROOT } from '../../test-support/tsx-node';

interface CommonArgs {
  clientDir: string;
  json: boolean;
}

export function readCommandLine<T extends CommonArgs>(
  command: string,
  help: string,
  schema: z.ZodType<T>,
  options: NonNullable<ParseArgsConfig['options']>,
): T {
  const { values } = parseArgs({
    options: {
      ...options,
      'client-dir': { type: 'string', default: path.join(REPO_ROOT, 'dist', 'client') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean' },
    },
  });
  if (values['help']) {
    process.stdout.write(help);
    process.exit(0);
  }
  const parsed = schema.safeParse({ ...values, clientDir: values['client-dir'] });
  if (!parsed.success) {
    process.stderr.write(`${parsed.error.issues.map((issue) => issue.message).join('\n')}\n\n${help}`);
    process.exit(2);
  }
  const clientDir = path.resolve(parsed.data.clientDir);
  if (!existsSync(path.join(clientDir, 'index.html'))) {
    process.stderr.write(`${clientDir}/index.html is missing: run \`npm run build\` first (${command} does).\n`);
    process.exit(2);
  }
  return { ...parsed.data, clientDir };
}
