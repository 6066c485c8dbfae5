/**
 * The reference docs are generated from the code (`npm run docs`, scripts/generate-docs.ts): the workflows from
 * `statemachines/`, the settings from `core/settings.ts`, the OpenAPI document from the app. Regenerated here in
 * memory, they must equal the committed files; and the hand-written docs must point at them. No emulator, no Java.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployParameters } from '../../infra/settings.js';
import { repoRoot } from '../../infra/workflows.js';
import { referenceDocs } from '../../scripts/generate-docs.js';

const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

describe('the generated reference docs', () => {
  it('are up to date with the code (run npm run docs)', async () => {
    const generated = await referenceDocs();
    expect(Object.keys(generated).sort()).toEqual([
      'docs/reference/openapi.json',
      'docs/reference/settings.md',
      'docs/reference/workflows.md',
    ]);
    for (const [path, text] of Object.entries(generated)) {
      const committed = existsSync(join(repoRoot, path)) ? read(path) : '(missing)';
      expect(committed === text, `${path} is stale: run npm run docs and commit it`).toBe(true);
    }
  }, 30_000);

  it('document every deploy parameter, and the deploy guide links to them', () => {
    const reference = read('docs/reference/settings.md');
    const start = reference.indexOf('## Deploy parameters');
    expect(start).toBeGreaterThan(0);
    const section = reference.slice(start);
    for (const parameter of deployParameters()) {
      expect(section, parameter.name).toContain(`| \`${parameter.name}\``);
    }
    expect(read('docs/deploying.md')).toContain('](reference/settings.md');
  });
});

describe('the README', () => {
  it('is a map: short, and every relative link it and docs/ make leads to a file', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(220);
    const pages = [
      'README.md',
      'CONTRIBUTING.md',
      ...['docs', 'docs/reference'].flatMap((dir) =>
        readdirSync(join(repoRoot, dir))
          .filter((file) => file.endsWith('.md'))
          .map((file) => `${dir}/${file}`),
      ),
    ];
    expect(pages).toEqual(
      expect.arrayContaining(['docs/architecture.md', 'docs/api.md', 'docs/deploying.md']),
    );
    for (const page of pages) {
      for (const [, target] of read(page).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        expect(existsSync(join(repoRoot, dirname(page), target!)), `${page} links to ${target}`).toBe(true);
      }
    }
  });
});
