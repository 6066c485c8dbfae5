import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    // The short chaos run is not in the default suite yet: at 10 % DynamoDB faults two seeds of four still end some
    // paths wrongly (issue 18's open findings), so its result would depend on timing. `npm run chaos:short` runs it.
    exclude: [...configDefaults.exclude, ...(process.env.CHAOS ? [] : ['test/chaos/chaos.test.ts'])],
    // One DynamoDB Local and one SES emulator for the whole run; each test file uses its own table.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-openapi-zod.ts'],
    // Child processes rather than worker threads: the SDK and the emulators hold sockets and timers that are
    // cleaner to tear down with a process.
    pool: 'forks',
    // CI also writes a JSON report, from which .ci/run prints a one-line summary of the counts.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
    testTimeout: 20_000,
    // Starting the JVM takes about 2 s, more on a loaded CI machine.
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    env: {
      // Failures of the code under test still show; per-request info logs would drown the output.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  },
});
