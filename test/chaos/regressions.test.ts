/**
 * Bugs the chaos runs found, each kept as the smallest test that fails with the bug put back. The run that found
 * it is named (`LOCAL_FAULTS` and `CHAOS_PATHS` of `npm run chaos`).
 */
import { describe, expect, it } from 'vitest';
import { isTransientAwsError, rethrowAwsError } from '../../core/errors.js';
import { sdkError } from '../../infra/local/faults.js';

describe('chaos regressions', () => {
  // LOCAL_FAULTS=dynamodb:0.05,ses:0.05,lambda:0.05,seed:7 CHAOS_PATHS=submission-review/approve: NotifySubmitter
  // failed with `AbortError` (sendEmail's own 10 s AbortSignal.timeout firing) and was not retried, so the Catch
  // dropped the submitter's outcome email; in other tasks the same failure ended the registration or relay failed.
  it("a send aborted by its own timeout is a transient failure, retried like SES's other timeouts", () => {
    const aborted = sdkError('ses', 'AbortError');
    expect(isTransientAwsError(aborted)).toBe(true);
    expect(() => rethrowAwsError(aborted)).toThrow(expect.objectContaining({ name: 'RetryableError' }));
  });
});
