import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The fast tier (`npm run test:fast`): the pure rules, the task contract with in-memory dependencies, the ASL lint
 * and contract, the CDK assertions and the docs' staleness check. No Java, no emulator: there is no global setup
 * here, so a test that needs DynamoDB Local or the SES emulator fails in this tier instead of being slow in it.
 */
export const fastTests = [
  'test/rules/**/*.test.ts',
  'test/tasks/**/*.test.ts',
  'test/statemachines/**/*.test.ts',
  'test/core/staff-rules.test.ts',
  'test/core/mailbox.test.ts',
  'test/api/errors.test.ts',
  'test/core/settings.test.ts',
  'test/docs/**/*.test.ts',
  'test/api/page-scripts.test.ts',
  'test/infra/stack.test.ts',
  'test/infra/logical-ids.test.ts',
  'test/infra/constructs/**/*.test.ts',
];

export default defineConfig({
  test: {
    ...base.test,
    include: fastTests,
    globalSetup: [],
    reporters: ['default'],
    // No emulator state to keep apart: loading CDK and the app once per worker instead of once per file is most of
    // the tier's speed.
    isolate: false,
  },
});
