/**
 * The API's side of the submission review: store a submission and start its workflow, record a moderator's
 * decision and resume the waiting execution with it, claim a review, withdraw a submission and stop its execution.
 * The workflow does the rest. Refusals are domain errors (`errors.ts`): the API answers each with its catalogue
 * status and message. Task tokens are read from the review item and handed to Step Functions, never logged or
 * returned.
 */
import { systemClock } from '../clock.js';
import { DomainError, errorName } from '../errors.js';
import { logger } from '../logger.js';
import { SubmissionNotFound, submissionConflict, submissionMessages } from './errors.js';
import type { Decision, ReviewItem, SubmissionItem } from './model.js';
import { submissionRepository as repository, type NewSubmission } from './repository.js';
import { reviewWorkflow } from './review-workflow.js';
import { isFinal, withdrawalRefusal, type DecisionRefusal } from './rules.js';
import { submissionSettings } from './settings.js';

export { submissionMessages } from './errors.js';
export { SUBMISSION_WORKFLOW } from './review-workflow.js';

/** How long the API waits for the workflow to take a new submission up, or to apply a decision (a few ms locally). */
const WAIT_MS = 5_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the submission until `done` holds or the wait is over; returns the last read. */
async function awaitSubmission(
  submissionId: string,
  done: (submission: SubmissionItem) => boolean,
): Promise<SubmissionItem | undefined> {
  const deadline = Date.now() + WAIT_MS;
  let submission = await repository.getSubmission(submissionId);
  while (submission && !done(submission) && Date.now() < deadline) {
    await sleep(POLL_MS);
    submission = await repository.getSubmission(submissionId);
  }
  return submission;
}

/**
 * Stores the submission (`received`) and starts `submission-review` with its id only, so no text or address
 * enters the execution's input or history. Answers once the workflow has taken it up (`pending`), or after a few
 * seconds with what is stored. If the workflow cannot be started, the submission is removed and 503 is thrown.
 */
export async function submit(input: NewSubmission, now: Date = systemClock.now()): Promise<SubmissionItem> {
  const created = await repository.createSubmission(input, now);
  try {
    await reviewWorkflow.start(created.executionName, created.id);
  } catch (error) {
    logger.error('Submission workflow not started', { submissionId: created.id, error: errorName(error) });
    await repository.discardReceived(created.id).catch(() => undefined);
    throw new DomainError('TryAgainLater', submissionMessages.unavailable);
  }
  logger.info('Submission received', { submissionId: created.id, type: created.type, site: created.site });
  return (await awaitSubmission(created.id, (item) => item.status !== 'received')) ?? created;
}

const refusalMessages: Record<Exclude<DecisionRefusal, 'not-found'>, string> = {
  approve: submissionMessages.decided,
  reject: submissionMessages.decided,
  expire: submissionMessages.expired,
  withdraw: submissionMessages.withdrawn,
  claimed: submissionMessages.claimed,
  'not-pending': submissionMessages.notPending,
};

/**
 * Records the decision once, then resumes the waiting execution with it and waits briefly for the final status.
 * A second decision (or one after expiry or withdrawal) is a 409 that changes nothing; the same moderator repeating
 * the same decision resumes the execution again (a retry after a failed resume). If no token is waiting (between
 * rounds) the next round finds the recorded decision and resumes itself.
 */
export async function decide(input: {
  submissionId: string;
  staffId: string;
  decision: Decision;
  reason: string | null;
  now?: Date;
}): Promise<SubmissionItem> {
  const result = await repository.recordDecision({ ...input, now: input.now ?? systemClock.now() });
  if (!result.recorded) {
    if (result.refusal === 'not-found') throw new SubmissionNotFound();
    throw submissionConflict(refusalMessages[result.refusal]);
  }
  if (!result.repeated) {
    logger.info('Submission decided', {
      submissionId: input.submissionId,
      decision: input.decision,
      staffId: input.staffId,
    });
  }
  const token = result.review.taskToken;
  if (token) {
    // A round that ended already (timed out into the next one, which reads the recorded decision, or answered) is
    // no failure: `resume` says `round-over`.
    await reviewWorkflow.resume(token, input.decision).catch((error: unknown) => {
      logger.error('Decision not passed to the workflow', {
        submissionId: input.submissionId,
        error: errorName(error),
      });
      throw new DomainError('TryAgainLater', submissionMessages.resumeFailed);
    });
  }
  const decided = await awaitSubmission(input.submissionId, (item) => isFinal(item.status));
  if (!decided) throw new SubmissionNotFound();
  return decided;
}

/** Claims an undecided review for the configured time (`MODERATION_CLAIM_SECONDS`); 404 or 409 when refused. */
export async function claim(input: {
  submissionId: string;
  staffId: string;
  now?: Date;
}): Promise<ReviewItem> {
  const result = await repository.claimReview({
    submissionId: input.submissionId,
    staffId: input.staffId,
    seconds: submissionSettings().claimSeconds,
    now: input.now ?? systemClock.now(),
  });
  if (result.claimed) return result.review;
  if (result.refusal === 'not-found') throw new SubmissionNotFound();
  throw submissionConflict(
    result.refusal === 'claimed' ? submissionMessages.claimed : submissionMessages.decided,
  );
}

/** Withdraws a pending submission (its final status, at once) and stops its execution. */
export async function withdraw(submissionId: string, now: Date = systemClock.now()): Promise<SubmissionItem> {
  const result = await repository.withdrawSubmission(submissionId, now);
  if (!result.withdrawn) {
    if (!result.submission) throw new SubmissionNotFound();
    throw submissionConflict(submissionMessages.notWithdrawable);
  }
  await reviewWorkflow.stop(result.submission.executionName).catch((error: unknown) => {
    // The withdrawal stands: if the execution goes on, its next step sees the recorded outcome and ends.
    logger.warn('Withdrawn submission execution not stopped', { submissionId, error: errorName(error) });
  });
  logger.info('Submission withdrawn', { submissionId });
  return result.submission;
}

/**
 * A signed-in member withdraws their own submission: 404 for one that does not exist (or was never taken up), 403
 * for someone else's (or an anonymous one), 409 for one no longer pending.
 */
export async function withdrawAsMember(
  submissionId: string,
  memberId: string,
  now: Date = systemClock.now(),
): Promise<SubmissionItem> {
  const refusal = withdrawalRefusal(await repository.getSubmission(submissionId), memberId);
  if (refusal === 'not-found') throw new SubmissionNotFound();
  if (refusal === 'not-yours') throw new DomainError('Forbidden', submissionMessages.cannotWithdraw);
  return withdraw(submissionId, now);
}
