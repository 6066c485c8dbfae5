/**
 * `npm run chaos`: every workflow path, many times, on the whole local system with AWS faults injected; prints a
 * table (workflow, path, runs, faults injected, retries seen, correct ends, duplicates, losses, stuck, half-made)
 * and the first problems of each failing path, and exits 1 unless every run ended correctly.
 *
 *   npm run chaos                                     200 runs a path at dynamodb:0.2,ses:0.2,lambda:0.05,seed:42
 *   CHAOS_RUNS=20 CHAOS_PATHS=registration/verified npm run chaos
 *   LOCAL_FAULTS=off npm run chaos                     the same runs without faults (the baseline)
 *
 * CHAOS_RUNS (runs a path), CHAOS_CONCURRENCY (runs of one path at once, 10), CHAOS_BOUND_SECONDS (how long an
 * execution may take before it counts as stuck, 60), CHAOS_PATHS (comma-separated `workflow/path` or `workflow`).
 * A failing run is replayed with the same LOCAL_FAULTS (its seed) and CHAOS_PATHS.
 */
import type { LocalSystem } from '../infra/local/system.js';
import type { PathRow } from '../test/helpers/chaos.js';

const DEFAULT_FAULTS = 'dynamodb:0.2,ses:0.2,lambda:0.05,seed:42';

function numberSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, not ${raw}`);
  return value;
}

async function main() {
  const runs = numberSetting('CHAOS_RUNS', 200);
  const concurrency = numberSetting('CHAOS_CONCURRENCY', 10);
  const boundMs = numberSetting('CHAOS_BOUND_SECONDS', 60) * 1000;
  const faults =
    process.env.LOCAL_FAULTS === 'off' ? undefined : (process.env.LOCAL_FAULTS ?? DEFAULT_FAULTS);
  // Task failures are the point here: their log lines would drown the table. Set before the logger is loaded.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  // First: core modules build schemas the API later describes with `.openapi()` (as test/setup-openapi-zod.ts does).
  await import('@hono/zod-openapi');
  const { allCorrect, chaosContext, closeChaosContext, formatTable, runChaos } =
    await import('../test/helpers/chaos.js');
  const { chaosPaths, chaosSystemSettings, chaosWorkflowEnv } =
    await import('../test/helpers/chaos-paths.js');
  const { startTestSystem } = await import('../test/helpers/local-system.js');
  Object.assign(process.env, chaosWorkflowEnv);
  const filter = (process.env.CHAOS_PATHS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const paths = chaosPaths.filter(
    (path) =>
      !filter.length ||
      filter.some((entry) => entry === path.workflow || entry === `${path.workflow}/${path.path}`),
  );
  if (!paths.length) throw new Error(`No path matches CHAOS_PATHS=${process.env.CHAOS_PATHS}`);

  console.log(
    `chaos: ${paths.length} paths × ${runs} runs, ${concurrency} at once, faults ${faults ?? 'off'}, stuck after ${boundMs / 1000} s`,
  );
  const test = await startTestSystem('chaos', {
    ...chaosSystemSettings,
    ...(faults ? { LOCAL_FAULTS: faults } : {}),
  });
  const ctx = chaosContext(test);
  let rows: PathRow[];
  try {
    rows = await runChaos(ctx, paths, {
      runs,
      concurrency,
      boundMs,
      faultCount: () => faultTotal(test.system),
      onRow: (row) =>
        console.log(
          `  ${row.workflow}/${row.path}: ${row.correct}/${row.runs} correct, ${row.faults} faults, ${row.retries} retries (${row.seconds} s)`,
        ),
    });
  } finally {
    await closeChaosContext(ctx);
    await test.stop();
  }
  console.log(`\n${formatTable(rows)}\n`);
  for (const row of rows) {
    for (const failure of row.failures.slice(0, 5)) {
      console.log(`${row.workflow}/${row.path} run ${failure.run}: ${failure.problems.join('; ')}`);
    }
    if (row.failures.length > 5)
      console.log(`${row.workflow}/${row.path}: ${row.failures.length - 5} more failing runs`);
  }
  const ok = allCorrect(rows);
  console.log(ok ? 'chaos: every run ended correctly' : 'chaos: some runs did not end correctly');
  process.exitCode = ok ? 0 : 1;
}

/** Faults injected so far (every service and kind), when the system runs with LOCAL_FAULTS. */
function faultTotal(system: LocalSystem): number {
  return system.faults?.stats().total ?? 0;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
