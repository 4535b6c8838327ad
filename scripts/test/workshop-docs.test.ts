// docs/workshop/ stays in step with the labs: one attendee page per attack (named after it, with
// its command, its controls, what to observe, why with a Stripe or PCI DSS reference, a solution),
// the facilitator guide links every page, every relative link resolves (anchors included), and
// every shell block has its PowerShell equivalent right after it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { LAB_ATTACKS } from '../lab/attacks/index';

/** Each attack with the lab-panel controls its cases switch off, from the labs' one list. */
const LABS = LAB_ATTACKS.map((attack) => ({ attack: attack.name, controls: [...new Set(attack.cases.map((c) => c.control))] }));

const WORKSHOP = path.join(REPO_ROOT, 'docs', 'workshop');
const read = (file: string) => readFileSync(file, 'utf8');
const GUIDE = read(path.join(WORKSHOP, 'README.md'));
const SECTIONS = ['The attack', 'Run it', 'What to observe', 'Why the control exists', 'Solution'];
const STRIPE_GUIDE = 'https://docs.stripe.com/security/guide';

/** The text under `## heading`, up to the next `## `. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start === -1) return '';
  const rest = markdown.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  return end === -1 ? rest : rest.slice(0, end);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] ?? '')));
}

/** Relative links (not http:, not mailto:) outside code blocks: [text](target). */
function relativeLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/i.test(target));
}

/** Fenced code blocks in order: their info string and body. */
function codeBlocks(markdown: string): { lang: string; body: string }[] {
  return [...markdown.matchAll(/^( *)```(\S*)\n([\s\S]*?)^\1```$/gm)].map((m) => ({ lang: m[2] ?? '', body: m[3] ?? '' }));
}

const workshopPages = readdirSync(WORKSHOP).filter((name) => name.endsWith('.md'));
const documents = [...workshopPages.map((name) => path.join(WORKSHOP, name)), path.join(REPO_ROOT, 'README.md')];

describe('docs/workshop/', () => {
  it('has exactly one page per attack, plus the facilitator guide', () => {
    expect(workshopPages.sort()).toEqual(['README.md', ...LABS.map((lab) => `${lab.attack}.md`)].sort());
  });

  describe.each(LABS.map((lab) => [lab.attack, lab] as const))('%s.md', (attack, lab) => {
    const page = existsSync(path.join(WORKSHOP, `${attack}.md`)) ? read(path.join(WORKSHOP, `${attack}.md`)) : '';

    it('names its command and its lab-panel controls, and has every section', () => {
      expect(page).toContain(`npm run attack -- ${attack}`);
      for (const control of lab.controls) expect(section(page, 'Run it'), control).toContain(`"${control}" off`);
      for (const heading of SECTIONS) expect(section(page, heading).trim(), heading).not.toBe('');
    });

    it("says why the control exists with Stripe's integration security guide or a PCI DSS requirement", () => {
      const why = section(page, 'Why the control exists');
      expect(why.includes(`](${STRIPE_GUIDE})`) || /PCI DSS (?:4\.0\.1 )?requirements? \*\*\d+\.\d+/.test(why), why).toBe(true);
    });

    it("is in the facilitator guide's table with its command and controls", () => {
      const row = GUIDE.split('\n').find((line) => line.includes(`](${attack}.md)`) && line.startsWith('|'));
      expect(row, `a table row linking ${attack}.md`).toBeDefined();
      expect(row).toContain(`\`npm run attack -- ${attack}\``);
      for (const control of lab.controls) expect(row).toContain(`\`${control}\``);
    });
  });

  it('the facilitator guide covers timings, what to say, questions, checking and resetting a laptop', () => {
    for (const heading of [
      'Timings (two hours)',
      'What to say for each lab',
      'Questions attendees ask',
      'Resetting a laptop',
      '15 minutes before',
    ]) {
      expect(section(GUIDE, heading).trim(), heading).not.toBe('');
    }
    expect(section(GUIDE, 'Resetting a laptop')).toContain('npm run lab -- reset');
    expect(section(GUIDE, '15 minutes before')).toContain('npm run lab -- doctor');
  });

  it.each(documents.map((file) => [path.relative(REPO_ROOT, file), file]))('every relative link in %s resolves', (_name, file) => {
    for (const link of relativeLinks(read(file))) {
      const [target = '', anchor] = link.split('#');
      const resolved = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
      expect(existsSync(resolved), `${link} → ${resolved}`).toBe(true);
      if (anchor && resolved.endsWith('.md')) expect([...anchors(read(resolved))], link).toContain(anchor);
    }
  });

  it.each(documents.map((file) => [path.relative(REPO_ROOT, file), file]))(
    'in %s, every workshop shell block is followed by its PowerShell equivalent, with a quoted --',
    (name, file) => {
      const markdown = read(file);
      // In README.md only the workshop's own section is held to this.
      const blocks = codeBlocks(name === 'README.md' ? section(markdown, 'Workshop laptops') : markdown);
      if (name === 'README.md') expect(blocks.length).toBeGreaterThan(0);
      blocks.forEach((block, i) => {
        if (block.lang === 'sh') expect(blocks[i + 1]?.lang, `the block after:\n${block.body}`).toBe('powershell');
        if (block.lang === 'powershell') expect(block.body, 'npm drops a bare -- in PowerShell').not.toMatch(/npm run \S+ -- /);
      });
    },
  );
});
