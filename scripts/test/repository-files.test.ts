// The files a template's users inherit for their own repository: the GitHub workflow, Dependabot,
// the Node version and the licence. Parsed as GitHub parses them (YAML), so a typo cannot land.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readTestModeAppPort } from '../../test-support/stripe-test-mode';
import { REPO_ROOT } from '../../test-support/tsx-node';

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const readYaml = (file: string) => parse(read(file), { strict: true, uniqueKeys: true }) as Record<string, unknown>;

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  steps: Step[];
  services?: Record<string, { image: string }>;
  env?: Record<string, string>;
}

describe('.github/workflows/ci.yml', () => {
  const workflow = readYaml('.github/workflows/ci.yml');
  const jobs = workflow['jobs'] as Record<string, Job>;

  it('runs on pushes to main and on pull requests, with read-only permissions', () => {
    expect(workflow['on']).toMatchObject({ push: { branches: ['main'] }, pull_request: null });
    expect(workflow['permissions']).toEqual({ contents: 'read' });
  });

  it('runs the same gate as .ci/run, with PostgreSQL as a service whose URL .ci/run reads', () => {
    const test = jobs['test'];
    expect(test?.steps.map((step) => step.run).filter(Boolean)).toContain('bash .ci/run');
    expect(test?.services?.['postgres']?.image).toMatch(/^postgres:\d+/);
    expect(test?.env?.['TEST_POSTGRES_URL']).toMatch(/^postgres:\/\/\S+@postgres:5432\/\S+$/);
    expect(read('.ci/run')).toContain('if [ -z "${TEST_POSTGRES_URL:-}" ]');
  });

  it('runs the Stripe test-mode project only with the repository secrets, behind the Stripe CLI listener', () => {
    const job = jobs['stripe-test-mode'];
    const runs = job?.steps.map((step) => step.run ?? '').join('\n') ?? '';
    expect(job?.env?.['STRIPE_SECRET_KEY']).toBe('${{ secrets.STRIPE_TEST_SECRET_KEY }}');
    expect(runs).toContain('--project stripe-test-mode');
    // The Stripe CLI, pinned, forwards to the port the project starts the app on, and the run waits until it listens.
    expect(runs).toMatch(/npm install --global [^\n]*@stripe\/cli@\d+\.\d+\.\d+\n/);
    expect(runs).toMatch(/stripe listen --api-key "\$STRIPE_SECRET_KEY" --print-secret\)/);
    expect(runs).toContain('--forward-to "https://localhost:$E2E_APP_PORT/webhooks/stripe"');
    expect(readTestModeAppPort({ E2E_APP_PORT: job?.env?.['E2E_APP_PORT'] })).toBeGreaterThan(0);
    expect(job?.env?.['E2E_APP_PORT']).toBeDefined();
    expect(runs).toContain("grep -q 'Ready!' stripe-listen.log");
    // Every step after the notice is conditional on the keys, so a fork without them stays green.
    for (const step of job?.steps.slice(1) ?? []) expect((step as { if?: string }).if).toMatch(/STRIPE_SECRET_KEY != ''|failure\(\)/);
  });

  it('builds and checks the container image with scripts/test-container.sh, from the real base image', () => {
    const runs = jobs['container']?.steps.map((step) => step.run ?? '').join('\n') ?? '';
    expect(runs).toContain('bash scripts/test-container.sh');
    expect(runs).toContain('podman pull docker.io/library/node:20-bookworm-slim');
    expect(read('scripts/test-container.sh')).toContain('BASE_IMAGE=docker.io/library/node:20-bookworm-slim');
    expect(read('Dockerfile')).toMatch(/^FROM node:20-bookworm-slim AS /m);
  });

  it('pins every action to a major version', () => {
    const uses = Object.values(jobs).flatMap((job) => job.steps.map((step) => step.uses).filter((u): u is string => Boolean(u)));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
  });
});

describe('.github/dependabot.yml', () => {
  const config = readYaml('.github/dependabot.yml');
  const updates = config['updates'] as { 'package-ecosystem': string; schedule: { interval: string }; groups?: object }[];

  it('updates npm and GitHub Actions weekly, grouped', () => {
    expect(config['version']).toBe(2);
    expect(updates.map((update) => update['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
    for (const update of updates) {
      expect(update.schedule.interval).toBe('weekly');
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0);
    }
  });
});

describe('repository basics', () => {
  it('.nvmrc names the Node major version package.json requires', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const major = read('.nvmrc').trim();
    expect(engines).toMatch(new RegExp(`^>=${major}\\.`));
  });

  it('ships an MIT licence, a security policy and contribution guide', () => {
    expect(read('LICENSE')).toMatch(/^MIT License\n/);
    expect(read('SECURITY.md')).toMatch(/## Reporting a vulnerability[\s\S]*## Scope/);
    expect(read('CONTRIBUTING.md')).toContain('npm test');
  });
});

describe('docs/decisions', () => {
  const records = readdirSync(path.join(REPO_ROOT, 'docs/decisions')).filter((file) => /^\d{3}-[a-z0-9-]+\.md$/.test(file));

  it.each(records)('%s has a title, a date, a status and the three sections', (file) => {
    const text = read(`docs/decisions/${file}`);
    expect(text).toMatch(new RegExp(`^# ${file.slice(0, 3)}: \\S`));
    expect(text).toMatch(/^Date: \d{4}-\d{2}-\d{2}$/m);
    expect(text).toMatch(/^Status: (proposed|accepted|deprecated|superseded by \d{3})$/m);
    for (const section of ['Context', 'Decision', 'Consequences']) expect(text).toMatch(new RegExp(`^## ${section}$`, 'm'));
  });

  it('finds the records', () => {
    expect(records.length).toBeGreaterThanOrEqual(4);
  });
});
