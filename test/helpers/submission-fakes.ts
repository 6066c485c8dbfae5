/**
 * In-memory stand-ins for the submission tasks' dependencies (`handler.with(...)`): the submission repository, the
 * review workflow, the staff directory and a mailer. They keep the repository's contract (one outcome, one claim
 * per notice, settling by the rules) without DynamoDB, so the task tests run in the fast tier.
 */
import type { RenderedEmail } from '../../core/email/render.js';
import { indexKeys, keys } from '../../core/keys.js';
import type { StaffItem } from '../../core/staff/model.js';
import type { ReviewItem, ReviewOutcome, SubmissionItem } from '../../core/submissions/model.js';
import type { SubmissionRepository } from '../../core/submissions/repository.js';
import type { ReviewWorkflow } from '../../core/submissions/review-workflow.js';
import { settlement } from '../../core/submissions/rules.js';
import type { Mailer } from '../../tasks/define-task.js';

export const SUBMISSION_ID = '7d0c5f8e-2f0e-4a4b-9a53-0b7a1f3c2d11';

/** A stored submission (pending unless said otherwise), as the repository parses it. */
export function submissionItem(fields: Partial<SubmissionItem> = {}): SubmissionItem {
  const id = fields.id ?? SUBMISSION_ID;
  const createdAt = fields.createdAt ?? '2026-11-27T12:00:00.000Z';
  return {
    ...keys.submission(id),
    entity: 'submission',
    id,
    type: 'message',
    site: 'history',
    submitter: { id: 'mary_member', verified: true, name: 'Mary Member' },
    yearOfGraduation: null,
    targetType: 'show',
    targetId: 'tempest-1985',
    targetName: 'The Tempest',
    targetUrl: 'https://history.example.test/shows/tempest-1985',
    subject: 'A correction',
    message: 'I was Ariel, not Caliban.',
    status: 'pending',
    executionName: id,
    createdAt,
    updatedAt: createdAt,
    ...indexKeys.submitterSubmission('mary_member', createdAt, id),
    ...fields,
  };
}

export function reviewItem(fields: Partial<ReviewItem> = {}): ReviewItem {
  const id = fields.submissionId ?? SUBMISSION_ID;
  return {
    ...keys.submissionReview(id),
    entity: 'submission-review',
    submissionId: id,
    site: 'history',
    executionName: id,
    round: 0,
    createdAt: '2026-11-27T12:00:00.000Z',
    updatedAt: '2026-11-27T12:00:00.000Z',
    ...fields,
  };
}

const notInTheFake = (name: string) => () =>
  Promise.reject(new Error(`${name} is not in the in-memory repository`));

/** The repository over two maps; `notices` holds the claimed notices, `allowance` what each staff user has left. */
export function memorySubmissions(
  initial: { submissions?: SubmissionItem[]; reviews?: ReviewItem[]; noticesPerDay?: number } = {},
) {
  const submissions = new Map((initial.submissions ?? []).map((item) => [item.id, structuredClone(item)]));
  const reviews = new Map((initial.reviews ?? []).map((item) => [item.submissionId, structuredClone(item)]));
  const notices = new Set<string>();
  const allowanceClaims = new Map<string, Set<string>>();
  const noticesPerDay = initial.noticesPerDay ?? 20;

  const repository: SubmissionRepository = {
    createSubmission: notInTheFake('createSubmission'),
    discardReceived: notInTheFake('discardReceived'),
    recordDecision: notInTheFake('recordDecision'),
    claimReview: notInTheFake('claimReview'),
    withdrawSubmission: notInTheFake('withdrawSubmission'),
    listSubmitterSubmissions: notInTheFake('listSubmitterSubmissions'),
    countSubmitterSubmissions: notInTheFake('countSubmitterSubmissions'),
    moderationQueue: notInTheFake('moderationQueue'),

    getSubmission: (id) => Promise.resolve(structuredClone(submissions.get(id))),
    getReview: (id) => Promise.resolve(structuredClone(reviews.get(id))),

    markPending(id, executionName, now, check = () => undefined) {
      const submission = submissions.get(id);
      if (!submission || submission.executionName !== executionName) return Promise.resolve(undefined);
      if (submission.status !== 'received') return Promise.resolve(structuredClone(submission));
      check(submission);
      const at = now.toISOString();
      const { expiresAt: _expiresAt, ...rest } = submission;
      const pending: SubmissionItem = {
        ...rest,
        status: 'pending',
        ...indexKeys.moderationQueue(submission.site, 'pending', submission.createdAt, id),
        updatedAt: at,
      };
      submissions.set(id, pending);
      reviews.set(
        id,
        reviewItem({ submissionId: id, site: submission.site, executionName, createdAt: at, updatedAt: at }),
      );
      return Promise.resolve(structuredClone(pending));
    },

    storeRoundToken({ submissionId, executionName, round, taskToken, now }) {
      const review = reviews.get(submissionId);
      if (!review || review.executionName !== executionName) return Promise.resolve(undefined);
      if (review.outcome) return Promise.resolve({ stored: false as const, outcome: review.outcome });
      Object.assign(review, { taskToken, round, updatedAt: now.toISOString() });
      return Promise.resolve({ stored: true as const });
    },

    settleSubmission(id, now) {
      const submission = submissions.get(id);
      const review = reviews.get(id);
      if (!submission || !review) return Promise.resolve(undefined);
      const settled = settlement(submission, review, now);
      if (settled.change) {
        const at = now.toISOString();
        Object.assign(submission, {
          status: settled.status,
          ...settled.decided,
          ...indexKeys.moderationQueue(submission.site, settled.status, submission.createdAt, id),
          updatedAt: at,
        });
        if (settled.recordExpiry) {
          Object.assign(review, { outcome: 'expire', decidedBy: 'workflow', decidedAt: at });
        }
        delete review.taskToken;
        review.updatedAt = at;
      }
      return Promise.resolve({ status: settled.status, site: submission.site });
    },

    claimNotice(id, notice) {
      const key = `${id}/${notice}`;
      if (notices.has(key)) return Promise.resolve(false);
      notices.add(key);
      return Promise.resolve(true);
    },
    releaseNotice(id, notice) {
      notices.delete(`${id}/${notice}`);
      return Promise.resolve();
    },
    takeNoticeAllowance(staffId, claimId) {
      const claims = allowanceClaims.get(staffId) ?? new Set<string>();
      allowanceClaims.set(staffId, claims);
      if (claims.has(claimId)) return Promise.resolve(true);
      if (claims.size >= noticesPerDay) return Promise.resolve(false);
      claims.add(claimId);
      return Promise.resolve(true);
    },
  };
  return { repository, submissions, reviews, notices };
}

/** A workflow that records the rounds it was asked to resume. */
export function memoryWorkflow() {
  const resumed: { taskToken: string; outcome: ReviewOutcome }[] = [];
  const workflow: ReviewWorkflow = {
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
    resume(taskToken, outcome) {
      resumed.push({ taskToken, outcome });
      return Promise.resolve('resumed');
    },
  };
  return { workflow, resumed };
}

export function staffUser(id: string, fields: Partial<StaffItem> = {}): StaffItem {
  return {
    ...keys.staff(id),
    entity: 'staff',
    id,
    email: `${id}@staff.example.test`,
    name: `Staff ${id}`,
    status: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    invitedBy: 'bootstrap',
    ...fields,
  } as StaffItem;
}

/** A staff directory over a fixed list. */
export function memoryStaff(staff: { staff: StaffItem; scopes: string[] }[]) {
  return { staffWithScopes: () => Promise.resolve(staff) };
}

/**
 * A mailer that keeps what it sent; `failNext(error)` makes the next sends fail with `error` (an SES throttle as
 * the send module names it, or a refusal for good).
 */
export function memoryMailer() {
  const sent: { to: string; email: RenderedEmail }[] = [];
  const failures: Error[] = [];
  const mailer: Mailer = {
    send(to, email) {
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      sent.push({ to, email });
      return Promise.resolve(`message-${sent.length}`);
    },
  };
  return {
    mailer,
    sent,
    failNext(error: Error, times = 1) {
      for (let i = 0; i < times; i++) failures.push(error);
    },
  };
}

/** An error named as SES failures reach the tasks: `RetryableError` (throttling) or SES's own (`MessageRejected`). */
export function namedError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
