/** settle-submission through its contract, with a fixed clock and an in-memory repository (no emulator). */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler } from '../../tasks/settle-submission.js';
import { SubmissionConflict } from '../../core/submissions/errors.js';
import { memorySubmissions, reviewItem, submissionItem, SUBMISSION_ID } from '../helpers/submission-fakes.js';

const NOW = '2026-11-28T12:00:00.000Z';
const event = { submissionId: SUBMISSION_ID, executionName: SUBMISSION_ID };

describe('settle-submission', () => {
  it('gives a decided submission the decision’s status, with who decided and the reason', async () => {
    const memory = memorySubmissions({
      submissions: [submissionItem()],
      reviews: [
        reviewItem({
          outcome: 'reject',
          decidedBy: 'staff-1',
          decidedAt: '2026-11-28T11:00:00.000Z',
          reason: 'Duplicate',
          taskToken: 'token',
        }),
      ],
    });
    const settle = handler.with({ clock: fixedClock(NOW), submissions: memory.repository });
    expect(await settle(event)).toEqual({ status: 'rejected', site: 'history' });
    expect(memory.submissions.get(SUBMISSION_ID)).toMatchObject({
      status: 'rejected',
      decidedBy: 'staff-1',
      decidedAt: '2026-11-28T11:00:00.000Z',
      reason: 'Duplicate',
      gsi2pk: 'QUEUE#history#rejected',
      updatedAt: NOW,
    });
    expect(memory.reviews.get(SUBMISSION_ID)).not.toHaveProperty('taskToken');
    // Repeating it changes nothing.
    const before = structuredClone(memory.submissions.get(SUBMISSION_ID));
    expect(await settle.with({ clock: fixedClock('2026-11-29T00:00:00.000Z') })(event)).toEqual({
      status: 'rejected',
      site: 'history',
    });
    expect(memory.submissions.get(SUBMISSION_ID)).toEqual(before);
  });

  it('expires an undecided submission at the clock’s time, recording the expiry', async () => {
    const memory = memorySubmissions({ submissions: [submissionItem()], reviews: [reviewItem()] });
    const settle = handler.with({ clock: fixedClock(NOW), submissions: memory.repository });
    expect(await settle(event)).toEqual({ status: 'expired', site: 'history' });
    expect(memory.submissions.get(SUBMISSION_ID)).toMatchObject({ status: 'expired', decidedAt: NOW });
    expect(memory.reviews.get(SUBMISSION_ID)).toMatchObject({
      outcome: 'expire',
      decidedBy: 'workflow',
      decidedAt: NOW,
    });
  });

  it('fails as InvalidInput for a submission that does not exist, and for bad input', async () => {
    const settle = handler.with({ submissions: memorySubmissions().repository });
    await expect(settle(event)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Submission not found',
    });
    await expect(settle({ submissionId: 'not-a-uuid' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Invalid task input: submissionId',
    });
  });

  it('a submission changed concurrently too often fails as RetryableError, which the ASL retries', async () => {
    const memory = memorySubmissions();
    const settle = handler.with({
      submissions: {
        ...memory.repository,
        settleSubmission: () => Promise.reject(new SubmissionConflict()),
      },
    });
    await expect(settle(event)).rejects.toMatchObject({ name: 'RetryableError' });
  });
});
