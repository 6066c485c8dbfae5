import { defineConfig } from 'vitest/config';

// Known and documented (DESIGN 5): the SDK's Node 20 end-of-support notice, here for the global setup's clients
// and through `env` below for every test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
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
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Failures of the code under test still show; per-request info logs would drown the output.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    },
  },
});
