/**
 * Bugs the chaos runs found, each kept as the smallest test that fails with the bug put back. The run that found
 * it is named (`LOCAL_FAULTS` and `CHAOS_PATHS` of `npm run chaos`).
 */
import { describe, expect, it } from 'vitest';
import { isTransientAwsError, rethrowAwsError } from '../../core/errors.js';
import { notifyRound } from '../../core/submissions/notices.js';
import { sdkError } from '../../infra/local/faults.js';
import {
  memoryMailer,
  memorySubmissions,
  namedError,
  staffUser,
  submissionItem,
} from '../helpers/submission-fakes.js';

describe('chaos regressions', () => {
  // LOCAL_FAULTS=dynamodb:0.05,ses:0.05,lambda:0.05,seed:7 CHAOS_PATHS=submission-review/approve: NotifySubmitter
  // failed with `AbortError` (sendEmail's own 10 s AbortSignal.timeout firing) and was not retried, so the Catch
  // dropped the submitter's outcome email; in other tasks the same failure ended the registration or relay failed.
  it("a send aborted by its own timeout is a transient failure, retried like SES's other timeouts", () => {
    const aborted = sdkError('ses', 'AbortError');
    expect(isTransientAwsError(aborted)).toBe(true);
    expect(() => rethrowAwsError(aborted)).toThrow(expect.objectContaining({ name: 'RetryableError' }));
  });

  // LOCAL_FAULTS=dynamodb:0.1,after:0,seed:1 CHAOS_PATHS=submission-review: 4 of 24 moderators' notices never sent.
  // RequestDecision claimed the notice, then taking the daily allowance failed (a throttled write); the retry found
  // the notice claimed and skipped it as sent.
  it("a failure after a moderator's notice is claimed but before it is sent does not lose the notice", async () => {
    process.env.PUBLIC_API_URL ??= 'https://api.alumni.example.test';
    const { repository } = memorySubmissions();
    const { mailer, sent } = memoryMailer();
    const moderator = { staff: staffUser('mod-1'), role: 'moderator' as const };
    const throttledOnce = {
      ...repository,
      calls: 0,
      takeNoticeAllowance(...args: Parameters<typeof repository.takeNoticeAllowance>) {
        if (this.calls++ === 0) return Promise.reject(namedError('RetryableError'));
        return repository.takeNoticeAllowance(...args);
      },
    };
    const dependencies = { submissions: throttledOnce, mailer, now: new Date('2026-11-28T12:00:00Z') };
    const submission = submissionItem();
    await expect(notifyRound(submission, 0, [moderator], 0, dependencies)).rejects.toThrow('RetryableError');
    // The workflow retries the task.
    expect(await notifyRound(submission, 0, [moderator], 0, dependencies)).toBe(1);
    expect(sent.map((email) => email.to)).toEqual([moderator.staff.email]);
  });
});
