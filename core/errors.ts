/**
 * Errors a task throws for the workflow to act on. Step Functions matches the error `name` in `Retry` and `Catch`,
 * so the names here are part of the ASL contract: change one, change the ASL files too.
 */
export class WorkflowTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Names the ASL files match. */
export const taskErrors = {
  /** Bad input reached a task: never retried. */
  invalidInput: 'InvalidInput',
  memberAlreadyExists: 'MemberAlreadyExists',
  emailAlreadyRegistered: 'EmailAlreadyRegistered',
  /** Throttling, a 5xx or a network failure of an AWS service: safe to retry with backoff. */
  retryable: 'RetryableError',
} as const;

const RETRYABLE_AWS_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TooManyRequestsException',
  'TimeoutError',
  'RequestTimeout',
]);

const RETRYABLE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * Rethrows an AWS SDK failure: as `RetryableError` when retrying is safe (throttling, 5xx, network), otherwise
 * unchanged. The message keeps only the error's name: AWS messages can carry ARNs and account ids.
 */
export function rethrowAwsError(error: unknown): never {
  if (error instanceof WorkflowTaskError) throw error;
  const name = error instanceof Error ? error.name : 'Error';
  const metadata = (error as { $metadata?: { httpStatusCode?: number }; code?: string }) ?? {};
  const status = metadata.$metadata?.httpStatusCode;
  const code = metadata.code;
  if (
    RETRYABLE_AWS_ERRORS.has(name) ||
    (status !== undefined && status >= 500) ||
    (code !== undefined && RETRYABLE_NETWORK_CODES.has(code))
  ) {
    throw new WorkflowTaskError(taskErrors.retryable, `${name}${status ? ` (HTTP ${status})` : ''}`);
  }
  throw error;
}

/** Only an error's name, for logs: AWS messages can carry ARNs, account ids and (SES) the recipient's address. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
