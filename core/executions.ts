/** Acting on a workflow execution by its name, as the API does when it stops one it started. */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from './aws-clients.js';

/** The ARN of the execution of `stateMachineArn` named `executionName`. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/**
 * Stops the named execution, with `error` and `cause` in its history. One that does not exist (never started) is no
 * error; any other failure is thrown.
 */
export async function stopExecutionByName(
  stateMachineArn: string,
  executionName: string,
  reason: { error: string; cause: string },
): Promise<void> {
  try {
    await sfnClient.send(
      new StopExecutionCommand({ executionArn: executionArnOf(stateMachineArn, executionName), ...reason }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw error;
  }
}
