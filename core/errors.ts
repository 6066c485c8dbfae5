/**
 * The error catalogue: every error the domain raises, with the name a workflow's `Retry`/`Catch` matches and the HTTP
 * status the API answers with. Tasks (`tasks/define-task.ts`) and the API (`api/errors.ts`) both read it, so `core/`
 * never speaks HTTP and a rule behaves the same behind a route and inside a workflow.
 *
 * The workflow names are part of the ASL contract: `test/statemachines/task-contract.test.ts` fails when a state
 * matches a name its task does not declare.
 */
interface CatalogueEntry {
  /** The error name a Step Functions `Retry`/`Catch` sees. */
  workflowName: string;
  /** The API's answer. */
  status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 503;
  meaning: string;
}

export const errorCatalogue = {
  InvalidInput: {
    workflowName: 'InvalidInput',
    status: 422,
    meaning:
      'The input is not what the rule or task accepts; repeating it cannot help, so it is never retried.',
  },
  RetryableError: {
    workflowName: 'RetryableError',
    status: 500,
    meaning:
      'Throttling, a 5xx or a network failure of an AWS service: a workflow retries it with backoff; the API ' +
      'answers it as any unexpected failure (500, name logged).',
  },
  TryAgainLater: {
    workflowName: 'RetryableError',
    status: 503,
    meaning: 'A concurrent change or a workflow that is not ready yet: the same request may succeed shortly.',
  },
  NotFound: { workflowName: 'NotFound', status: 404, meaning: 'The item does not exist (or is not yours).' },
  Conflict: {
    workflowName: 'Conflict',
    status: 409,
    meaning: 'The item is not in a state that allows this change.',
  },
  LinkRefused: {
    workflowName: 'LinkRefused',
    status: 401,
    meaning: 'A sign-in, verification or invitation link that is invalid, expired or used.',
  },
  SessionRefused: {
    workflowName: 'SessionRefused',
    status: 401,
    meaning: 'A session that no longer matches its subject (a member erased, a permission changed).',
  },
  Forbidden: { workflowName: 'Forbidden', status: 403, meaning: 'The caller lacks the permission.' },
  LimitReached: {
    workflowName: 'RateLimited',
    status: 429,
    meaning: 'A daily or per-pair allowance is used up.',
  },
  MemberAlreadyExists: {
    workflowName: 'MemberAlreadyExists',
    status: 409,
    meaning: 'Another registration holds this member id.',
  },
  EmailAlreadyRegistered: {
    workflowName: 'EmailAlreadyRegistered',
    status: 409,
    meaning: 'The address belongs to another member.',
  },
  NotContactable: {
    workflowName: 'NotContactable',
    status: 409,
    meaning: 'The relay recipient cannot be written to now; the sender is never told why.',
  },
  RateLimited: {
    workflowName: 'RateLimited',
    status: 429,
    meaning: 'A relay limit (sender, recipient or pair) is used up for today.',
  },
  EmailRefused: {
    workflowName: 'EmailRefused',
    status: 503,
    meaning: 'SES refused an email for good (the SES error name is kept in the message, nothing else).',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;
export type WorkflowErrorName = (typeof errorCatalogue)[ErrorCode]['workflowName'];

/**
 * An error of the domain: `throw new DomainError('NotFound', 'Member not found')`. The message must be safe to show
 * the caller and to keep in an execution history: ids and fixed texts, never addresses, tokens or message bodies.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = code;
  }

  get status(): CatalogueEntry['status'] {
    return errorCatalogue[this.code].status;
  }

  get workflowName(): WorkflowErrorName {
    return errorCatalogue[this.code].workflowName;
  }
}

const TRANSIENT_AWS_ERRORS = new Set([
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
  // The SDK's answer when the caller's abort signal fires: the only one in this code is a send's own timeout
  // (core/email/send.ts, `AbortSignal.timeout`), so a slow SES is a timeout to retry, not a refusal (chaos finding).
  'AbortError',
]);

const TRANSIENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/** Throttling, a 5xx or a network failure of an AWS service: retrying with backoff is safe. */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof DomainError) return false;
  const name = error instanceof Error ? error.name : 'Error';
  const metadata = (error as { $metadata?: { httpStatusCode?: number }; code?: string } | null) ?? {};
  const status = metadata.$metadata?.httpStatusCode;
  const code = metadata.code;
  return (
    TRANSIENT_AWS_ERRORS.has(name) ||
    (status !== undefined && status >= 500) ||
    (code !== undefined && TRANSIENT_NETWORK_CODES.has(code))
  );
}

/** An AWS failure as `RetryableError`; the message keeps only its name and status (AWS messages carry ARNs). */
export function transientError(error: unknown): DomainError {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  // The original stays as `cause` for code that must tell failures apart (never logged: it may carry ARNs).
  return new DomainError('RetryableError', `${errorName(error)}${status ? ` (HTTP ${status})` : ''}`, {
    cause: error,
  });
}

/**
 * Rethrows an AWS SDK failure: as `RetryableError` when retrying is safe (throttling, 5xx, network), otherwise
 * unchanged. For repositories, which know which failures of theirs are ordinary outcomes.
 */
export function rethrowAwsError(error: unknown): never {
  if (isTransientAwsError(error)) throw transientError(error);
  throw error;
}

/** Only an error's name, for logs: AWS messages can carry ARNs, account ids and (SES) the recipient's address. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
