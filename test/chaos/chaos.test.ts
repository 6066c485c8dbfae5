/**
 * The short chaos run (issue 18): every workflow path a few times on the whole local system, each run checked for
 * its terminal state, stored result, exactly one of each email, nothing half-made and nothing stuck.
 * `npm run chaos` runs the long version (200 runs a path) and prints the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allCorrect,
  chaosContext,
  closeChaosContext,
  formatTable,
  runChaos,
  type ChaosContext,
} from '../helpers/chaos.js';
import { chaosPaths, chaosSystemSettings, chaosWorkflowEnv } from '../helpers/chaos-paths.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

let test: TestSystem;
let ctx: ChaosContext;

beforeAll(async () => {
  Object.assign(process.env, chaosWorkflowEnv);
  test = await startTestSystem('chaos', chaosSystemSettings);
  ctx = chaosContext(test);
});

afterAll(async () => {
  if (ctx) await closeChaosContext(ctx);
  await test?.stop();
});

describe('chaos (short)', () => {
  it('every path ends as without faults: one of each email, nothing half-made, nothing stuck', async () => {
    const rows = await runChaos(ctx, chaosPaths, { runs: 3, concurrency: 3, boundMs: 20_000 });
    const table = formatTable(rows);
    const failures = rows.flatMap((row) =>
      row.failures.map(
        (failure) => `${row.workflow}/${row.path} run ${failure.run}: ${failure.problems.join('; ')}`,
      ),
    );
    expect(failures, table).toEqual([]);
    expect(allCorrect(rows), table).toBe(true);
  }, 55_000);
});
