/**
 * What the submission review tells its callers when it refuses: the messages (the API's answers, which the tests
 * and the alumni sites read) and the domain errors that carry them. Each error is a `DomainError` of the catalogue
 * (`core/errors.ts`), so the API answers it with the catalogue's status and a task fails under its workflow name.
 */
import { DomainError } from '../errors.js';

export const submissionMessages = {
  unavailable: 'Your submission could not be stored. Please try again later.',
  notFound: 'Submission not found',
  decided: 'A decision has already been made on this submission',
  expired: 'This submission expired before a decision was made',
  withdrawn: 'This submission was withdrawn by its submitter',
  claimed: 'Another moderator has claimed this submission',
  notPending: 'This submission is not awaiting a decision',
  notWithdrawable: 'Only a pending submission can be withdrawn',
  cannotWithdraw: 'You cannot withdraw another member’s submission',
  reasonRequired: 'Give a reason when rejecting a submission',
  busy: 'The submission is being changed by someone else. Please try again.',
  resumeFailed: 'The decision is recorded but the review could not be resumed yet. Send it again to retry.',
  anonymousLimit:
    'This site has received as many submissions from visitors as it can take today. Please try again tomorrow, or sign in.',
} as const;

/** No such submission, or one not taken up by its workflow yet (404). */
export class SubmissionNotFound extends DomainError {
  constructor() {
    super('NotFound', submissionMessages.notFound);
  }
}

/**
 * The submission was changed concurrently too many times in a row: 503 with `message` from the API, `RetryableError`
 * in a workflow.
 */
export class SubmissionConflict extends DomainError {
  constructor(message: string = submissionMessages.busy) {
    super('TryAgainLater', message);
  }
}

/** The site has taken as many anonymous submissions today as `ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY` allows (429). */
export class AnonymousSubmissionLimitReached extends DomainError {
  constructor() {
    super('LimitReached', submissionMessages.anonymousLimit);
  }
}

/** The submission is not in a state that allows the change (409), with the message saying which. */
export function submissionConflict(message: string): DomainError {
  return new DomainError('Conflict', message);
}
