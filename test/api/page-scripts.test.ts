/**
 * The pages' scripts are bundled at build time (infra/page-scripts.ts) into a committed module: it must be what
 * bundling api/pages/browser/ gives now, or the pages would serve an older script than the code under review.
 */
import { describe, expect, it } from 'vitest';
import { committedModule, generatedModule } from '../../infra/page-scripts.js';
import { moderationScript } from '../../api/pages/scripts.generated.js';

describe('page scripts', () => {
  it('api/pages/scripts.generated.ts is fresh (else: npm run build:pages)', async () => {
    expect(committedModule()).toBe(await generatedModule());
  });

  it('the moderation script is one self-contained IIFE using the shared token key', () => {
    expect(moderationScript).toMatch(/^"use strict";\n\(\(\) => \{\n/);
    expect(moderationScript).toContain('"lumina.staffSessionToken"');
    expect(moderationScript).not.toMatch(/\bimport\b|\brequire\(/);
  });
});
