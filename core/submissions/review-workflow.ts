/**
 * The `submission-review` execution as the domain acts on it: start it for a stored submission, resume a waiting
 * round with an outcome, stop it after a withdrawal. The only module of the submissions domain that speaks to Step
 * Functions (as `repository.ts` is for DynamoDB). Task tokens pass through here to Step Functions and nowhere else:
 * never logged, never returned.
 *
 * One object (`reviewWorkflow`), so the task that answers its own token and the tests can replace it.
 */
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { stopExecutionByName } from '../executions.js';
import type { ReviewOutcome } from './model.js';

export const SUBMISSION_WORKFLOW = 'submission-review';

/** Names Step Functions answers a token with once its round is over: timed out, answered already, or stopped. */
const ROUND_OVER = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

function stateMachineArn(): string {
  return requiredEnv(stateMachineArnVariable(SUBMISSION_WORKFLOW));
}

/** Starts the review of a stored submission, with its id only: no text or address enters the execution. */
async function start(executionName: string, submissionId: string): Promise<void> {
  await sfnClient.send(
    new StartExecutionCommand({
      stateMachineArn: stateMachineArn(),
      name: executionName,
      input: JSON.stringify({ submissionId }),
    }),
  );
}

/**
 * Resumes the round waiting on `taskToken` with the outcome. `round-over` when that round has ended already (timed
 * out into the next round, which reads the recorded outcome itself, or answered before); other failures are thrown
 * as they are (a task's contract maps a transient one to `RetryableError`).
 */
async function resume(taskToken: string, outcome: ReviewOutcome): Promise<'resumed' | 'round-over'> {
  try {
    await sfnClient.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ outcome }) }));
    return 'resumed';
  } catch (error) {
    if (error instanceof Error && ROUND_OVER.has(error.name)) return 'round-over';
    throw error;
  }
}

/** Stops the execution after a withdrawal (one that never started is no error). */
async function stop(executionName: string): Promise<void> {
  await stopExecutionByName(stateMachineArn(), executionName, {
    error: 'SubmissionWithdrawn',
    cause: 'Withdrawn by its submitter',
  });
}

export const reviewWorkflow = { start, resume, stop };
export type ReviewWorkflow = typeof reviewWorkflow;
