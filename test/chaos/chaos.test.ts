/**
 * The short chaos run (issue 18): every workflow path a few times on the whole local system with DynamoDB faults
 * injected into the tasks' calls, each run checked for its terminal state, stored result, exactly one of each email,
 * nothing half-made and nothing stuck. `npm run chaos` runs the long version (200 runs a path, the issue's full
 * mix) and prints the table.
 *
 * The plan here is the mix every path survives today: DynamoDB failing before the write. SES and Lambda faults, and
 * faults after the write or send, still find losses and duplicates (see the issue's note); add them here as the
 * workflows are fixed.
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

/** 10 % of the tasks' DynamoDB calls fail (throttled, 500), none after the write went through. */
const FAULTS = 'dynamodb:0.1,after:0,seed:18';

let test: TestSystem;
let ctx: ChaosContext;

beforeAll(async () => {
  Object.assign(process.env, chaosWorkflowEnv);
  test = await startTestSystem('chaos', { ...chaosSystemSettings, LOCAL_FAULTS: FAULTS });
  ctx = chaosContext(test);
});

afterAll(async () => {
  if (ctx) await closeChaosContext(ctx);
  await test?.stop();
});

describe('chaos (short)', () => {
  it('every path ends as without faults: one of each email, nothing half-made, nothing stuck', async () => {
    const rows = await runChaos(ctx, chaosPaths, {
      runs: 3,
      concurrency: 3,
      boundMs: 20_000,
      faultCount: () => test.system.faults?.stats().total ?? 0,
    });
    const table = formatTable(rows);
    const failures = rows.flatMap((row) =>
      row.failures.map(
        (failure) => `${row.workflow}/${row.path} run ${failure.run}: ${failure.problems.join('; ')}`,
      ),
    );
    expect(failures, table).toEqual([]);
    expect(allCorrect(rows), table).toBe(true);
    // The faults were there: injected and retried.
    expect(rows.reduce((total, row) => total + row.faults, 0)).toBeGreaterThan(0);
    expect(rows.reduce((total, row) => total + row.retries, 0)).toBeGreaterThan(0);
  }, 55_000);
});
