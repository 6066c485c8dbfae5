/**
 * The API's side of the submission review: store a submission and start its workflow, record a moderator's
 * decision and resume the waiting execution with it, withdraw a submission and stop its execution. The workflow
 * does the rest. Task tokens are read from the review item and handed to Step Functions, never logged or returned.
 */
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { stopExecutionByName } from '../executions.js';
import { HttpError } from '../http-error.js';
import { logger } from '../logger.js';
import { FINAL_STATUSES, type Decision, type SubmissionItem } from './model.js';
import {
  AnonymousSubmissionLimitReached,
  createSubmission,
  discardReceived,
  getSubmission,
  recordDecision,
  SubmissionConflict,
  withdrawSubmission,
  type DecisionRefusal,
  type NewSubmission,
} from './store.js';

export const SUBMISSION_WORKFLOW = 'submission-review';

/** How long the API waits for the workflow to take a new submission up, or to apply a decision (a few ms locally). */
const WAIT_MS = 5_000;
const POLL_MS = 50;

export const submissionMessages = {
  unavailable: 'Your submission could not be stored. Please try again later.',
  notFound: 'Submission not found',
  decided: 'A decision has already been made on this submission',
  expired: 'This submission expired before a decision was made',
  withdrawn: 'This submission was withdrawn by its submitter',
  claimed: 'Another moderator has claimed this submission',
  notPending: 'This submission is not awaiting a decision',
  notWithdrawable: 'Only a pending submission can be withdrawn',
  reasonRequired: 'Give a reason when rejecting a submission',
  busy: 'The submission is being changed by someone else. Please try again.',
  resumeFailed: 'The decision is recorded but the review could not be resumed yet. Send it again to retry.',
  anonymousLimit:
    'This site has received as many submissions from visitors as it can take today. Please try again tomorrow, or sign in.',
} as const;

function stateMachineArn(): string {
  return requiredEnv(stateMachineArnVariable(SUBMISSION_WORKFLOW));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the submission until `done` holds or the wait is over; returns the last read. */
async function awaitSubmission(
  submissionId: string,
  done: (submission: SubmissionItem) => boolean,
): Promise<SubmissionItem | undefined> {
  const deadline = Date.now() + WAIT_MS;
  let submission = await getSubmission(submissionId);
  while (submission && !done(submission) && Date.now() < deadline) {
    await sleep(POLL_MS);
    submission = await getSubmission(submissionId);
  }
  return submission;
}

/**
 * Stores the submission (`received`) and starts `submission-review` with its id only, so no text or address
 * enters the execution's input or history. Answers once the workflow has taken it up (`pending`), or after a few
 * seconds with what is stored. If the workflow cannot be started, the submission is removed and 503 is thrown.
 */
export async function submit(input: NewSubmission): Promise<SubmissionItem> {
  let created: SubmissionItem;
  try {
    created = await createSubmission(input);
  } catch (error) {
    if (error instanceof AnonymousSubmissionLimitReached)
      throw new HttpError(429, submissionMessages.anonymousLimit);
    if (error instanceof SubmissionConflict) throw new HttpError(503, submissionMessages.unavailable);
    throw error;
  }
  try {
    await sfnClient.send(
      new StartExecutionCommand({
        stateMachineArn: stateMachineArn(),
        name: created.executionName,
        input: JSON.stringify({ submissionId: created.id }),
      }),
    );
  } catch (error) {
    logger.error('Submission workflow not started', {
      submissionId: created.id,
      error: error instanceof Error ? error.name : 'Error',
    });
    await discardReceived(created.id).catch(() => undefined);
    throw new HttpError(503, submissionMessages.unavailable);
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
}): Promise<SubmissionItem> {
  let result: Awaited<ReturnType<typeof recordDecision>>;
  try {
    result = await recordDecision(input);
  } catch (error) {
    if (error instanceof SubmissionConflict) throw new HttpError(503, submissionMessages.busy);
    throw error;
  }
  if (!result.recorded) {
    if (result.refusal === 'not-found') throw new HttpError(404, submissionMessages.notFound);
    throw new HttpError(409, refusalMessages[result.refusal]);
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
    try {
      await sfnClient.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: input.decision }) }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      // The round ended (timed out into the next one, which reads the recorded decision), or was answered already.
      if (name !== 'TaskTimedOut' && name !== 'InvalidToken' && name !== 'TaskDoesNotExist') {
        logger.error('Decision not passed to the workflow', {
          submissionId: input.submissionId,
          error: name,
        });
        throw new HttpError(503, submissionMessages.resumeFailed);
      }
    }
  }
  return (
    (await awaitSubmission(input.submissionId, (item) => FINAL_STATUSES.includes(item.status))) ??
    (() => {
      throw new HttpError(404, submissionMessages.notFound);
    })()
  );
}

/** Withdraws a pending submission (its final status, at once) and stops its execution. */
export async function withdraw(submissionId: string): Promise<SubmissionItem> {
  const result = await withdrawSubmission(submissionId);
  if (!result.withdrawn) {
    if (!result.submission) throw new HttpError(404, submissionMessages.notFound);
    throw new HttpError(409, submissionMessages.notWithdrawable);
  }
  try {
    await stopExecutionByName(stateMachineArn(), result.submission.executionName, {
      error: 'SubmissionWithdrawn',
      cause: 'Withdrawn by its submitter',
    });
  } catch (error) {
    // The withdrawal stands: if the execution goes on, its next step sees the recorded outcome and ends.
    logger.warn('Withdrawn submission execution not stopped', {
      submissionId,
      error: error instanceof Error ? error.name : 'Error',
    });
  }
  logger.info('Submission withdrawn', { submissionId });
  return result.submission;
}
