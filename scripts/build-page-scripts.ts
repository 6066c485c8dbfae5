/**
 * `npm run build:pages`: bundles the pages' scripts (`api/pages/browser/*.ts`) into `api/pages/scripts.generated.ts`
 * (see infra/page-scripts.ts). With `--check`, writes nothing and exits non-zero when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { committedModule, generatedFile, generatedModule } from '../infra/page-scripts.js';
import { repoRoot } from '../infra/workflows.js';

const file = relative(repoRoot, generatedFile);
const started = performance.now();
const text = await generatedModule();
const elapsed = Math.round(performance.now() - started);
if (process.argv.includes('--check')) {
  const fresh = committedModule() === text;
  console.log(fresh ? `ok    ${file}` : `STALE ${file}: run npm run build:pages`);
  process.exitCode = fresh ? 0 : 1;
} else {
  writeFileSync(generatedFile, text);
  console.log(`wrote ${file} (${text.length} characters, bundled in ${elapsed} ms)`);
}
