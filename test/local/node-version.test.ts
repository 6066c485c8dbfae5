/**
 * Node 22 everywhere: the machine may have only an older Node, so `npm ci` installs the pinned Node 22 (package.json's
 * platform packages `node-<os>-<cpu>`, one per platform) and npm scripts put it first on the PATH. The tests run on
 * it, and so do the processes they spawn through `npx` (tsx, the CDK CLI) and `npm start` (see npm-start.test.ts).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { repoRoot } from '../../infra/workflows.js';

/** The one pinned Node version: every platform package names the same exact version. */
function pinnedNodeVersion(): string {
  const pins = Object.entries(packageJson.optionalDependencies)
    .filter(([name]) => /^node-(bin-)?[a-z0-9]+-[a-z0-9]+$/.test(name))
    .map(([, version]) => version);
  expect(pins.length).toBeGreaterThan(0);
  expect(new Set(pins).size).toBe(1);
  const [version] = pins;
  expect(version).toMatch(/^22\.\d+\.\d+$/);
  return version!;
}

describe('the Node the project runs on', () => {
  it('runs the tests on the pinned Node 22, not on whatever Node the machine has', () => {
    expect(process.version).toBe(`v${pinnedNodeVersion()}`);
  });

  it('runs what the tests spawn through npx (tsx) on the same Node', async () => {
    const { stdout } = await promisify(execFile)(
      'npx',
      ['--no-install', 'tsx', '-e', 'console.log(process.version)'],
      { cwd: repoRoot },
    );
    expect(stdout.trim()).toBe(`v${pinnedNodeVersion()}`);
  });
});
