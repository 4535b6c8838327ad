// What opening a database loads: an app on SQLite never loads the pg package (about a tenth of
// a start's CPU went to it), and an app on PostgreSQL loads it at its first open.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';
import { createTestDatabase, describeEachEngine, type TestDatabase } from './helpers/databases';

const PROBE = 'server/test/fixtures/loaded-pg-modules.ts';

/** How many of pg's modules a fresh process loads opening `url` (DATABASE_URL's form). */
async function pgModulesLoadedOpening(url: string): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...tsxNodeArgs(PROBE), url], { cwd: REPO_ROOT });
  return Number(stdout.trim());
}

describeEachEngine('the pg package', (engine) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await createTestDatabase(engine);
  });
  afterEach(async () => {
    await test.drop();
  });

  it(engine === 'sqlite' ? 'is never loaded' : 'is loaded at the first open', async () => {
    const loaded = await pgModulesLoadedOpening(test.url);
    if (engine === 'sqlite') expect(loaded).toBe(0);
    else expect(loaded).toBeGreaterThan(0);
  });
});
