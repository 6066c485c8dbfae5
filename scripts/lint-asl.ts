/**
 * `npm run lint:asl [dir]`: lints every `*.asl.json` in `statemachines/` (or `dir`) against the task registry;
 * exits non-zero when any file has a problem.
 */
import { relative } from 'node:path';
import { lintWorkflowDefinition } from '../infra/asl-lint.js';
import { listWorkflows, repoRoot } from '../infra/workflows.js';

const workflows = listWorkflows(process.argv[2]);
let failed = 0;
for (const workflow of workflows) {
  const problems = lintWorkflowDefinition(workflow.definitionText);
  const file = relative(repoRoot, workflow.file);
  if (problems.length === 0) {
    console.log(`ok    ${file}`);
    continue;
  }
  failed += 1;
  console.log(`FAIL  ${file}`);
  for (const problem of problems) console.log(`      - ${problem}`);
}
console.log(
  `${workflows.length} workflow(s) linted, ${failed} with problems` +
    (workflows.length === 0 ? ' (none found)' : ''),
);
process.exitCode = failed > 0 ? 1 : 0;
