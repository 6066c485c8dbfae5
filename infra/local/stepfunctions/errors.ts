/**
 * Errors of the Step Functions API, named exactly as AWS names them so that `@aws-sdk/client-sfn` raises the same
 * exception classes locally as in AWS (the SDK reads the name from the `__type` field of the response body).
 */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export const apiError = {
  invalidArn: (arn: unknown) => new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`),
  invalidName: (name: unknown) => new SfnApiError('InvalidName', `Invalid Name: '${String(name)}'`),
  invalidDefinition: (problems: string[]) =>
    new SfnApiError('InvalidDefinition', `Invalid State Machine Definition: '${problems.join('; ')}'`),
  invalidExecutionInput: (why: string) =>
    new SfnApiError('InvalidExecutionInput', `Invalid execution input: ${why}`),
  invalidOutput: (why: string) => new SfnApiError('InvalidOutput', `Invalid output: ${why}`),
  invalidToken: () => new SfnApiError('InvalidToken', 'Invalid Token'),
  taskDoesNotExist: () => new SfnApiError('TaskDoesNotExist', 'Task does not exist'),
  taskTimedOut: () =>
    new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'"),
  stateMachineDoesNotExist: (arn: string) =>
    new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  stateMachineAlreadyExists: (arn: string) =>
    new SfnApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`),
  stateMachineTypeNotSupported: (type: string) =>
    new SfnApiError(
      'StateMachineTypeNotSupported',
      `State machine type ${type} is not supported locally (task tokens need STANDARD)`,
    ),
  executionDoesNotExist: (arn: string) =>
    new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  executionAlreadyExists: (arn: string) =>
    new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  invalidParameter: (message: string) => new SfnApiError('ValidationException', message),
  unknownOperation: (op: string) => new SfnApiError('UnknownOperationException', `Unknown operation ${op}`),
};

/**
 * An error raised inside a running workflow (a failed task, a timeout). `name` is what the ASL's `ErrorEquals`
 * matches and `message` is the `Cause`, because the interpreter builds `{Error: name, Cause: message}` for Catch.
 */
export class WorkflowError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}
