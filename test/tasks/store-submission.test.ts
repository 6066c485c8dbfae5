/** store-submission through its contract, with a fixed clock and an in-memory repository (no emulator). */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler } from '../../tasks/store-submission.js';
import { SUBMISSION_ID, memorySubmissions, submissionItem } from '../helpers/submission-fakes.js';

const NOW = '2026-11-28T12:00:00.000Z';
const event = { submissionId: SUBMISSION_ID, executionName: SUBMISSION_ID };

describe('store-submission', () => {
  it('takes a received submission up as pending, with its review, and returns the round settings', async () => {
    const memory = memorySubmissions({
      submissions: [submissionItem({ status: 'received', expiresAt: 1_800_000_000 })],
    });
    const store = handler.with({ clock: fixedClock(NOW), submissions: memory.repository });
    expect(await store(event)).toEqual({
      submissionId: SUBMISSION_ID,
      site: 'history',
      round: 0,
      settings: { decisionTimeoutSeconds: 3 * 24 * 3600, reminderRounds: 2 },
    });
    const stored = memory.submissions.get(SUBMISSION_ID)!;
    expect(stored).toMatchObject({ status: 'pending', gsi2pk: 'QUEUE#history#pending', updatedAt: NOW });
    expect(stored).not.toHaveProperty('expiresAt');
    expect(memory.reviews.get(SUBMISSION_ID)).toMatchObject({ round: 0, executionName: SUBMISSION_ID });
    // Repeating it (a retried task) changes nothing.
    expect(await store.with({ clock: fixedClock('2026-11-29T00:00:00.000Z') })(event)).toMatchObject({
      round: 0,
    });
    expect(memory.submissions.get(SUBMISSION_ID)).toEqual(stored);
  });

  it('refuses a stored submission that no longer validates, as InvalidInput naming the fields', async () => {
    const memory = memorySubmissions({
      submissions: [
        submissionItem({ status: 'received', targetUrl: 'javascript:alert(1)', site: 'nowhere' }),
      ],
    });
    const store = handler.with({ submissions: memory.repository });
    await expect(store(event)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Invalid stored submission: targetUrl, site',
    });
    expect(memory.submissions.get(SUBMISSION_ID)?.status).toBe('received');
  });

  it('refuses a submission of another execution, or none, as InvalidInput', async () => {
    const memory = memorySubmissions({
      submissions: [submissionItem({ status: 'received', executionName: 'other' })],
    });
    const store = handler.with({ submissions: memory.repository });
    await expect(store(event)).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Submission not found',
    });
  });
});
