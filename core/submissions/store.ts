/**
 * Submissions and their reviews on the table. Whoever records the review's `outcome` first (a moderator's decision,
 * the submitter's withdrawal, or the workflow's expiry) decides the submission's final status: the outcome is a
 * conditional write, so it is recorded once, and the status follows it in the same transaction or, for a decision,
 * in the workflow's Settle step.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { dailyAllowanceUpdate, utcDay } from '../daily-allowance.js';
import { epochSeconds, indexKeys, keys } from '../keys.js';
import { transact, type TransactItem } from '../db.js';
import {
  outcomeStatus,
  submissionExecutionName,
  type Decision,
  type ReviewItem,
  type ReviewOutcome,
  type SubmissionItem,
  type SubmissionStatus,
} from './model.js';
import { submissionSettings } from './settings.js';

/** A submission whose workflow never started is removed after a day. */
const RECEIVED_TTL_SECONDS = 24 * 3600;
/** Optimistic attempts before giving up on concurrent changes of one submission. */
const MAX_ATTEMPTS = 6;

export class SubmissionNotFound extends Error {
  override name = 'SubmissionNotFound';
  constructor() {
    super('Submission not found');
  }
}

/** The submission was changed concurrently too many times in a row (a task turns this into a retry). */
export class SubmissionConflict extends Error {
  override name = 'SubmissionConflict';
  constructor() {
    super('The submission was changed concurrently');
  }
}

/** The site has taken as many anonymous submissions today as `ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY` allows. */
export class AnonymousSubmissionLimitReached extends Error {
  override name = 'AnonymousSubmissionLimitReached';
  constructor() {
    super('The site has taken as many anonymous submissions as it can today');
  }
}

/** What the API stores: everything but the status, times, keys and execution, which are set here. */
export type NewSubmission = Pick<
  SubmissionItem,
  | 'type'
  | 'site'
  | 'submitter'
  | 'yearOfGraduation'
  | 'targetType'
  | 'targetId'
  | 'targetName'
  | 'targetUrl'
  | 'subject'
  | 'message'
  | 'show'
  | 'bio'
>;

/** Stores a new submission as `received` (listed to nobody but its submitter) for its workflow to take up. */
export async function createSubmission(input: NewSubmission, now = new Date()): Promise<SubmissionItem> {
  const id = randomUUID();
  const createdAt = now.toISOString();
  const item: SubmissionItem = {
    ...keys.submission(id),
    entity: 'submission',
    id,
    ...input,
    status: 'received',
    executionName: submissionExecutionName(id),
    createdAt,
    updatedAt: createdAt,
    expiresAt: epochSeconds(now) + RECEIVED_TTL_SECONDS,
    ...indexKeys.submitterSubmission(input.submitter.id, createdAt, id),
  };
  const put = { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' };
  if (input.submitter.verified) {
    await documentClient.send(new PutCommand(put));
    return item;
  }
  // Anyone can submit anonymously, and each submission emails the site's moderators: the submission and the site's
  // count for the day are written together, the count conditionally (race-free).
  const outcome = await transact([
    { Put: put },
    {
      Update: dailyAllowanceUpdate({
        key: keys.anonymousSubmissionLimit(input.site, utcDay(now)),
        maximum: submissionSettings().anonymousSubmissionsPerSitePerDay,
        entity: 'submission-limit',
        now,
      }),
    },
  ]);
  if (!outcome.ok) {
    if (outcome.reasons[1] === 'ConditionalCheckFailed') throw new AnonymousSubmissionLimitReached();
    throw new SubmissionConflict();
  }
  return item;
}

/** Removes a submission whose workflow could not be started (only while it is still `received`). */
export async function discardReceived(submissionId: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({
        TableName: tableName(),
        Key: keys.submission(submissionId),
        ConditionExpression: '#status = :received',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':received': 'received' },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export async function getSubmission(submissionId: string): Promise<SubmissionItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.submission(submissionId), ConsistentRead: true }),
  );
  return Item as SubmissionItem | undefined;
}

export async function getReview(submissionId: string): Promise<ReviewItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: tableName(),
      Key: keys.submissionReview(submissionId),
      ConsistentRead: true,
    }),
  );
  return Item as ReviewItem | undefined;
}

/**
 * The submission's move from one status to another, conditioned on the first, with its moderation-queue entry moving
 * along; `set` adds attributes (string values), `remove` drops some.
 */
function statusChange(
  submission: SubmissionItem,
  change: { from: SubmissionStatus; to: SubmissionStatus; now: string },
  set: Record<string, string> = {},
  remove: string[] = [],
): TransactItem {
  const queue = indexKeys.moderationQueue(submission.site, change.to, submission.createdAt, submission.id);
  const fields = { ...queue, ...set, updatedAt: change.now };
  const names = Object.keys(fields);
  return {
    Update: {
      TableName: tableName(),
      Key: keys.submission(submission.id),
      UpdateExpression:
        `SET #status = :to, ${names.map((name, index) => `#f${index} = :f${index}`).join(', ')}` +
        (remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''),
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: {
        '#status': 'status',
        ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])),
      },
      ExpressionAttributeValues: {
        ':from': change.from,
        ':to': change.to,
        ...Object.fromEntries(
          names.map((name, index) => [`:f${index}`, fields[name as keyof typeof fields]]),
        ),
      },
    },
  };
}

/**
 * The workflow takes the submission up: `pending`, in the moderation queue, with its review item, in one
 * transaction. `check` sees the stored submission first (it throws to refuse it). Repeating it (a retried task)
 * changes nothing.
 */
export async function markPending(
  submissionId: string,
  executionName: string,
  check: (submission: SubmissionItem) => void = () => undefined,
): Promise<SubmissionItem> {
  for (let attempt = 1; ; attempt++) {
    const submission = await getSubmission(submissionId);
    if (!submission || submission.executionName !== executionName) throw new SubmissionNotFound();
    if (submission.status !== 'received') return submission;
    check(submission);
    const now = new Date().toISOString();
    const review: ReviewItem = {
      ...keys.submissionReview(submissionId),
      entity: 'submission-review',
      submissionId,
      site: submission.site,
      executionName,
      round: 0,
      createdAt: now,
      updatedAt: now,
    };
    const outcome = await transact([
      statusChange(submission, { from: 'received', to: 'pending', now }, {}, ['expiresAt']),
      { Put: { TableName: tableName(), Item: review, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    if (outcome.ok) {
      const { expiresAt: _expiresAt, ...rest } = submission;
      const queue = indexKeys.moderationQueue(submission.site, 'pending', submission.createdAt, submissionId);
      return { ...rest, status: 'pending', ...queue, updatedAt: now };
    }
    if (attempt >= MAX_ATTEMPTS) throw new SubmissionConflict();
  }
}

export type StoredToken = { stored: true } | { stored: false; outcome: ReviewOutcome };

/**
 * Stores a review round's task token, unless an outcome is already recorded (a decision that came in while no
 * token was waiting, or a withdrawal): then that outcome is returned for the task to pass on itself.
 */
export async function storeRoundToken(
  submissionId: string,
  executionName: string,
  round: number,
  taskToken: string,
): Promise<StoredToken> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.submissionReview(submissionId),
        UpdateExpression: 'SET taskToken = :token, #round = :round, updatedAt = :now',
        ConditionExpression: 'executionName = :execution AND attribute_not_exists(outcome)',
        ExpressionAttributeNames: { '#round': 'round' },
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':round': round,
          ':now': new Date().toISOString(),
          ':execution': executionName,
        },
      }),
    );
    return { stored: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const review = await getReview(submissionId);
  if (review?.executionName === executionName && review.outcome) {
    return { stored: false, outcome: review.outcome };
  }
  throw new SubmissionNotFound();
}

export type DecisionRefusal = 'not-found' | 'not-pending' | 'claimed' | ReviewOutcome;

export type RecordedDecision =
  | { recorded: true; review: ReviewItem; repeated: boolean }
  | { recorded: false; refusal: DecisionRefusal; review?: ReviewItem };

/**
 * Records a moderator's decision once: the review's outcome (with who and when) and an audit entry, in one
 * transaction, only while the submission is pending, undecided and not claimed by someone else. The same moderator
 * sending the same decision again gets `repeated` (so a retried request can resume the workflow again).
 */
export async function recordDecision(input: {
  submissionId: string;
  staffId: string;
  decision: Decision;
  reason: string | null;
  now?: Date;
}): Promise<RecordedDecision> {
  const now = (input.now ?? new Date()).toISOString();
  const items: TransactItem[] = [
    {
      Update: {
        TableName: tableName(),
        Key: keys.submissionReview(input.submissionId),
        UpdateExpression:
          'SET outcome = :outcome, decidedBy = :staff, decidedAt = :now, updatedAt = :now' +
          (input.reason === null ? '' : ', reason = :reason'),
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(outcome) AND ' +
          '(attribute_not_exists(claimedBy) OR claimedBy = :staff OR claimedUntil < :now)',
        ExpressionAttributeValues: {
          ':outcome': input.decision,
          ':staff': input.staffId,
          ':now': now,
          ...(input.reason === null ? {} : { ':reason': input.reason }),
        },
      },
    },
    {
      ConditionCheck: {
        TableName: tableName(),
        Key: keys.submission(input.submissionId),
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      },
    },
    {
      Put: {
        TableName: tableName(),
        // Ids and the decision only: the reason is moderator text and can name people.
        Item: {
          ...keys.audit(now, randomUUID()),
          entity: 'audit',
          action: 'submission.decided',
          submissionId: input.submissionId,
          decision: input.decision,
          staffId: input.staffId,
          createdAt: now,
        },
      },
    },
  ];
  // A conflict with a concurrent transaction on the same items says nothing about the decision: try again.
  let outcome = await transact(items);
  for (let attempt = 2; !outcome.ok && outcome.reasons.includes('TransactionConflict'); attempt++) {
    if (attempt > MAX_ATTEMPTS) throw new SubmissionConflict();
    outcome = await transact(items);
  }
  const review = await getReview(input.submissionId);
  if (outcome.ok) return { recorded: true, review: review!, repeated: false };
  if (!review) return { recorded: false, refusal: 'not-found' };
  if (review.outcome) {
    const repeated = review.outcome === input.decision && review.decidedBy === input.staffId;
    return repeated
      ? { recorded: true, review, repeated: true }
      : { recorded: false, refusal: review.outcome, review };
  }
  if (review.claimedBy && review.claimedBy !== input.staffId && (review.claimedUntil ?? '') >= now) {
    return { recorded: false, refusal: 'claimed', review };
  }
  return { recorded: false, refusal: 'not-pending', review };
}

export type ClaimResult =
  | { claimed: true; review: ReviewItem }
  | { claimed: false; refusal: 'not-found' | 'claimed' | 'decided'; review?: ReviewItem };

/** Claims an undecided review for `seconds`, unless someone else holds a live claim (renewing one's own is fine). */
export async function claimReview(
  submissionId: string,
  staffId: string,
  seconds: number,
  at = new Date(),
): Promise<ClaimResult> {
  const now = at.toISOString();
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.submissionReview(submissionId),
        UpdateExpression: 'SET claimedBy = :staff, claimedUntil = :until, updatedAt = :now',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(outcome) AND ' +
          '(attribute_not_exists(claimedBy) OR claimedBy = :staff OR claimedUntil < :now)',
        ExpressionAttributeValues: {
          ':staff': staffId,
          ':until': new Date(at.getTime() + seconds * 1000).toISOString(),
          ':now': now,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { claimed: true, review: result.Attributes as ReviewItem };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const review = await getReview(submissionId);
  if (!review) return { claimed: false, refusal: 'not-found' };
  return { claimed: false, refusal: review.outcome ? 'decided' : 'claimed', review };
}

export type WithdrawResult =
  { withdrawn: true; submission: SubmissionItem } | { withdrawn: false; submission?: SubmissionItem };

/** The submitter withdraws a pending submission: outcome and final status together, once. */
export async function withdrawSubmission(submissionId: string): Promise<WithdrawResult> {
  const submission = await getSubmission(submissionId);
  if (submission?.status !== 'pending') return { withdrawn: false, ...(submission ? { submission } : {}) };
  const now = new Date().toISOString();
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submissionReview(submissionId),
        UpdateExpression:
          'SET outcome = :withdraw, decidedBy = :submitter, decidedAt = :now, updatedAt = :now REMOVE taskToken',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
        ExpressionAttributeValues: { ':withdraw': 'withdraw', ':submitter': 'submitter', ':now': now },
      },
    },
    statusChange(submission, { from: 'pending', to: 'withdrawn', now }, { decidedAt: now }),
  ]);
  if (!outcome.ok) {
    const current = await getSubmission(submissionId);
    return { withdrawn: false, ...(current ? { submission: current } : {}) };
  }
  const queue = indexKeys.moderationQueue(submission.site, 'withdrawn', submission.createdAt, submissionId);
  return { withdrawn: true, submission: { ...submission, status: 'withdrawn', ...queue, decidedAt: now } };
}

/**
 * Gives the submission the final status its review's outcome calls for, recording `expire` first if no outcome is
 * recorded yet (the last round ran out, or the workflow failed). Safe to repeat: once final, nothing changes.
 */
export async function settleSubmission(
  submissionId: string,
): Promise<{ status: SubmissionStatus; site: string }> {
  for (let attempt = 1; ; attempt++) {
    const [submission, review] = await Promise.all([getSubmission(submissionId), getReview(submissionId)]);
    if (!submission || !review) throw new SubmissionNotFound();
    const now = new Date().toISOString();
    const target = review.outcome ? outcomeStatus[review.outcome] : 'expired';
    if (submission.status === target) return { status: target, site: submission.site };
    if (submission.status !== 'pending') {
      // A final status other than the outcome's cannot happen (both move together); report what is stored.
      return { status: submission.status, site: submission.site };
    }
    const decided: Record<string, string> = review.outcome
      ? {
          decidedAt: review.decidedAt ?? now,
          ...(review.decidedBy && review.outcome !== 'withdraw' ? { decidedBy: review.decidedBy } : {}),
          ...(review.reason ? { reason: review.reason } : {}),
        }
      : { decidedAt: now };
    const items: TransactItem[] = [
      statusChange(submission, { from: 'pending', to: target, now }, decided),
      review.outcome
        ? {
            Update: {
              TableName: tableName(),
              Key: keys.submissionReview(submissionId),
              UpdateExpression: 'SET updatedAt = :now REMOVE taskToken',
              ConditionExpression: 'outcome = :outcome',
              ExpressionAttributeValues: { ':now': now, ':outcome': review.outcome },
            },
          }
        : {
            Update: {
              TableName: tableName(),
              Key: keys.submissionReview(submissionId),
              UpdateExpression:
                'SET outcome = :expire, decidedBy = :workflow, decidedAt = :now, updatedAt = :now REMOVE taskToken',
              ConditionExpression: 'attribute_not_exists(outcome)',
              ExpressionAttributeValues: { ':expire': 'expire', ':workflow': 'workflow', ':now': now },
            },
          },
    ];
    const outcome = await transact(items);
    if (outcome.ok) return { status: target, site: submission.site };
    if (attempt >= MAX_ATTEMPTS) throw new SubmissionConflict();
  }
}

/**
 * Claims the sending of one email about a submission (a conditional put), so a retried task never sends it twice.
 * Returns false if it was already claimed.
 */
export async function claimNotice(submissionId: string, notice: string): Promise<boolean> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...keys.submissionNotice(submissionId, notice),
          entity: 'submission-notice',
          createdAt: new Date().toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Gives a notice back after a failure worth retrying, so the retry sends it. */
export async function releaseNotice(submissionId: string, notice: string): Promise<void> {
  await documentClient.send(
    new DeleteCommand({ TableName: tableName(), Key: keys.submissionNotice(submissionId, notice) }),
  );
}
