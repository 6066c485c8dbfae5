/**
 * The staff domain's workflows as the API drives them (Step Functions): starting and stopping an invitation,
 * starting a sign-in, and answering a waiting invitation with its acceptance. The only staff module that talks to
 * Step Functions. Task tokens are credentials: never logged.
 */
import { SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { stopExecutionByName } from '../executions.js';

function invitationStateMachineArn(): string {
  return requiredEnv(stateMachineArnVariable('staff-invitation'));
}

/** Starts `staff-invitation` for the user, under the execution name that owns their invitation. */
export async function startInvitation(staffId: string, executionName: string): Promise<void> {
  await sfnClient.send(
    new StartExecutionCommand({
      stateMachineArn: invitationStateMachineArn(),
      name: executionName,
      input: JSON.stringify({ staffId }),
    }),
  );
}

/** Stops a pending invitation's execution; one that has ended (or never started) is no error. */
export async function stopInvitation(executionName: string): Promise<void> {
  await stopExecutionByName(invitationStateMachineArn(), executionName, {
    error: 'InvitationWithdrawn',
    cause: 'Deleted or reinvited',
  });
}

/** Starts `staff-sign-in` for a stored request, named after it. */
export async function startSignIn(requestId: string): Promise<void> {
  await sfnClient.send(
    new StartExecutionCommand({
      stateMachineArn: requiredEnv(stateMachineArnVariable('staff-sign-in')),
      name: `staff-signin-${requestId}`,
      input: JSON.stringify({ requestId }),
    }),
  );
}

/** Step Functions' answers when the task no longer waits: the invitation expired (or was stopped). */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Answers the invitation workflow's waiting task with `{"acceptedAt"}`. Returns false when the wait has ended
 * (answered before, expired or stopped); other failures are thrown.
 */
export async function answerInvitation(taskToken: string, acceptedAt: string): Promise<boolean> {
  try {
    await sfnClient.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ acceptedAt }) }));
    return true;
  } catch (error) {
    if (error instanceof Error && ENDED_TASK_ERRORS.has(error.name)) return false;
    throw error;
  }
}

export const staffWorkflows = { startInvitation, stopInvitation, startSignIn, answerInvitation };
