/**
 * Submissions and their reviews on the table: the only module of the submissions domain that speaks DynamoDB
 * (through `core/db.ts` where it can). Items are read with their schemas (`model.ts`), never cast; what a result
 * means is decided by the pure rules (`rules.ts`), which the conditional writes here keep race-free.
 *
 * Whoever records the review's `outcome` first (a moderator's decision, the submitter's withdrawal, or the
 * workflow's expiry) decides the submission's final status: the outcome is a conditional write, so it is recorded
 * once, and the status follows it in the same transaction or, for a decision, in the workflow's Settle step.
 *
 * Exported as one object (`submissionRepository`) so a task takes it as a dependency and a fast test passes an
 * in-memory fake of the same shape; the functions are exported by name as well, for the API's side and the tests.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { dailyAllowanceUpdate, takeDailyAllowance, utcDay } from '../daily-allowance.js';
import {
  deleteItem,
  getItem,
  keyOf,
  parseItem,
  putIfAbsent,
  transact,
  updateIf,
  type Item,
  type TransactItem,
} from '../db.js';
import { rethrowAwsError } from '../errors.js';
import { indexKeys, keys } from '../keys.js';
import {
  AnonymousSubmissionLimitReached,
  SubmissionConflict,
  SubmissionNotFound,
  submissionMessages,
} from './errors.js';
import {
  ReviewItemSchema,
  SubmissionItemSchema,
  submissionExecutionName,
  type Decision,
  type ReviewItem,
  type ReviewOutcome,
  type SubmissionItem,
  type SubmissionStatus,
} from './model.js';
import {
  claimExpiry,
  claimRefusal,
  decisionRefusal,
  isWithdrawable,
  receivedExpiresAt,
  settlement,
  type ClaimRefusal,
  type DecisionRefusal,
  type Visibility,
} from './rules.js';
import { submissionSettings } from './settings.js';

/** Optimistic attempts before giving up on concurrent changes of one submission. */
const MAX_ATTEMPTS = 6;

// ------------------------------------------------------------------------------------------------ submissions

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

/**
 * Stores a new submission as `received` (listed to nobody but its submitter) for its workflow to take up. An
 * anonymous one counts against its site's daily allowance in the same transaction (`AnonymousSubmissionLimitReached`
 * when it is used up).
 */
export async function createSubmission(input: NewSubmission, now: Date): Promise<SubmissionItem> {
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
    expiresAt: receivedExpiresAt(now),
    ...indexKeys.submitterSubmission(input.submitter.id, createdAt, id),
  };
  if (input.submitter.verified) {
    const put = await putIfAbsent(item);
    if (!put.written) throw new SubmissionConflict(submissionMessages.unavailable);
    return item;
  }
  // Anyone can submit anonymously, and each submission emails the site's moderators: the submission and the site's
  // count for the day are written together, the count conditionally (race-free).
  const outcome = await transact([
    { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
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
    throw new SubmissionConflict(submissionMessages.unavailable);
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
    if (!(error instanceof ConditionalCheckFailedException)) rethrowAwsError(error);
  }
}

export function getSubmission(submissionId: string): Promise<SubmissionItem | undefined> {
  return getItem(SubmissionItemSchema, { ...keys.submission(submissionId) });
}

export function getReview(submissionId: string): Promise<ReviewItem | undefined> {
  return getItem(ReviewItemSchema, { ...keys.submissionReview(submissionId) });
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
  const fields: Record<string, string> = { ...queue, ...set, updatedAt: change.now };
  const names = Object.keys(fields);
  return {
    Update: {
      TableName: tableName(),
      Key: keys.submission(submission.id),
      UpdateExpression:
        `SET #status = :to, ${names.map((_name, index) => `#f${index} = :f${index}`).join(', ')}` +
        (remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''),
      ConditionExpression: '#status = :from',
      ExpressionAttributeNames: {
        '#status': 'status',
        ...Object.fromEntries(names.map((name, index) => [`#f${index}`, name])),
      },
      ExpressionAttributeValues: {
        ':from': change.from,
        ':to': change.to,
        ...Object.fromEntries(names.map((name, index) => [`:f${index}`, fields[name]])),
      },
    },
  };
}

/**
 * The workflow takes the submission up: `pending`, in the moderation queue, with its review item, in one
 * transaction. `check` sees the stored submission first (it throws to refuse it). Repeating it (a retried task)
 * changes nothing. Undefined when there is no such submission for this execution.
 */
export async function markPending(
  submissionId: string,
  executionName: string,
  now: Date,
  check: (submission: SubmissionItem) => void = () => undefined,
): Promise<SubmissionItem | undefined> {
  const at = now.toISOString();
  for (let attempt = 1; ; attempt++) {
    const submission = await getSubmission(submissionId);
    if (!submission || submission.executionName !== executionName) return undefined;
    if (submission.status !== 'received') return submission;
    check(submission);
    const review: ReviewItem = {
      ...keys.submissionReview(submissionId),
      entity: 'submission-review',
      submissionId,
      site: submission.site,
      executionName,
      round: 0,
      createdAt: at,
      updatedAt: at,
    };
    const outcome = await transact([
      statusChange(submission, { from: 'received', to: 'pending', now: at }, {}, ['expiresAt']),
      { Put: { TableName: tableName(), Item: review, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    if (outcome.ok) {
      const { expiresAt: _expiresAt, ...rest } = submission;
      const queue = indexKeys.moderationQueue(submission.site, 'pending', submission.createdAt, submissionId);
      return { ...rest, status: 'pending', ...queue, updatedAt: at };
    }
    if (attempt >= MAX_ATTEMPTS) throw new SubmissionConflict();
  }
}

// ------------------------------------------------------------------------------------------------ reviews

export type StoredToken = { stored: true } | { stored: false; outcome: ReviewOutcome };

/**
 * Stores a review round's task token, unless an outcome is already recorded (a decision that came in while no
 * token was waiting, or a withdrawal): then that outcome is returned for the task to pass on itself. Undefined when
 * there is no review for this execution.
 */
export async function storeRoundToken(input: {
  submissionId: string;
  executionName: string;
  round: number;
  taskToken: string;
  now: Date;
}): Promise<StoredToken | undefined> {
  const updated = await updateIf(ReviewItemSchema, {
    Key: { ...keys.submissionReview(input.submissionId) },
    UpdateExpression: 'SET taskToken = :token, #round = :round, updatedAt = :now',
    ConditionExpression: 'executionName = :execution AND attribute_not_exists(outcome)',
    ExpressionAttributeNames: { '#round': 'round' },
    ExpressionAttributeValues: {
      ':token': input.taskToken,
      ':round': input.round,
      ':now': input.now.toISOString(),
      ':execution': input.executionName,
    },
  });
  if (updated) return { stored: true };
  const review = await getReview(input.submissionId);
  if (review?.executionName === input.executionName && review.outcome) {
    return { stored: false, outcome: review.outcome };
  }
  return undefined;
}

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
  now: Date;
}): Promise<RecordedDecision> {
  const now = input.now.toISOString();
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
  if (outcome.ok) {
    if (!review) throw new SubmissionNotFound();
    return { recorded: true, review, repeated: false };
  }
  const refused = decisionRefusal(review, input, input.now);
  if (refused.repeated && review) return { recorded: true, review, repeated: true };
  return {
    recorded: false,
    refusal: refused.repeated ? 'not-found' : refused.refusal,
    ...(review ? { review } : {}),
  };
}

export type ClaimResult =
  { claimed: true; review: ReviewItem } | { claimed: false; refusal: ClaimRefusal; review?: ReviewItem };

/** Claims an undecided review for `seconds`, unless someone else holds a live claim (renewing one's own is fine). */
export async function claimReview(input: {
  submissionId: string;
  staffId: string;
  seconds: number;
  now: Date;
}): Promise<ClaimResult> {
  const now = input.now.toISOString();
  const review = await updateIf(ReviewItemSchema, {
    Key: { ...keys.submissionReview(input.submissionId) },
    UpdateExpression: 'SET claimedBy = :staff, claimedUntil = :until, updatedAt = :now',
    ConditionExpression:
      'attribute_exists(pk) AND attribute_not_exists(outcome) AND ' +
      '(attribute_not_exists(claimedBy) OR claimedBy = :staff OR claimedUntil < :now)',
    ExpressionAttributeValues: {
      ':staff': input.staffId,
      ':until': claimExpiry(input.now, input.seconds),
      ':now': now,
    },
  });
  if (review) return { claimed: true, review };
  const current = await getReview(input.submissionId);
  // The write was refused, so a refusal there is; a claim that ran out in between counts as held.
  const refusal = claimRefusal(current, input.staffId, input.now) ?? 'claimed';
  return { claimed: false, refusal, ...(current ? { review: current } : {}) };
}

export type WithdrawResult =
  { withdrawn: true; submission: SubmissionItem } | { withdrawn: false; submission?: SubmissionItem };

/** The submitter withdraws a pending submission: outcome and final status together, once. */
export async function withdrawSubmission(submissionId: string, now: Date): Promise<WithdrawResult> {
  const submission = await getSubmission(submissionId);
  if (!submission || !isWithdrawable(submission)) {
    return { withdrawn: false, ...(submission ? { submission } : {}) };
  }
  const at = now.toISOString();
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.submissionReview(submissionId),
        UpdateExpression:
          'SET outcome = :withdraw, decidedBy = :submitter, decidedAt = :now, updatedAt = :now REMOVE taskToken',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
        ExpressionAttributeValues: { ':withdraw': 'withdraw', ':submitter': 'submitter', ':now': at },
      },
    },
    statusChange(submission, { from: 'pending', to: 'withdrawn', now: at }, { decidedAt: at }),
  ]);
  if (!outcome.ok) {
    const current = await getSubmission(submissionId);
    return { withdrawn: false, ...(current ? { submission: current } : {}) };
  }
  const queue = indexKeys.moderationQueue(submission.site, 'withdrawn', submission.createdAt, submissionId);
  return { withdrawn: true, submission: { ...submission, status: 'withdrawn', ...queue, decidedAt: at } };
}

/**
 * Gives the submission the final status its review's outcome calls for (`settlement` in the rules), recording
 * `expire` first if no outcome is recorded yet. Safe to repeat: once final, nothing changes. Undefined when the
 * submission or its review does not exist.
 */
export async function settleSubmission(
  submissionId: string,
  now: Date,
): Promise<{ status: SubmissionStatus; site: string } | undefined> {
  const at = now.toISOString();
  for (let attempt = 1; ; attempt++) {
    const [submission, review] = await Promise.all([getSubmission(submissionId), getReview(submissionId)]);
    if (!submission || !review) return undefined;
    const settled = settlement(submission, review, now);
    if (!settled.change) return { status: settled.status, site: submission.site };
    const reviewUpdate: TransactItem = settled.recordExpiry
      ? {
          Update: {
            TableName: tableName(),
            Key: keys.submissionReview(submissionId),
            UpdateExpression:
              'SET outcome = :expire, decidedBy = :workflow, decidedAt = :now, updatedAt = :now REMOVE taskToken',
            ConditionExpression: 'attribute_not_exists(outcome)',
            ExpressionAttributeValues: { ':expire': 'expire', ':workflow': 'workflow', ':now': at },
          },
        }
      : {
          Update: {
            TableName: tableName(),
            Key: keys.submissionReview(submissionId),
            UpdateExpression: 'SET updatedAt = :now REMOVE taskToken',
            ConditionExpression: 'outcome = :outcome',
            ExpressionAttributeValues: { ':now': at, ':outcome': review.outcome },
          },
        };
    const outcome = await transact([
      statusChange(submission, { from: 'pending', to: settled.status, now: at }, settled.decided),
      reviewUpdate,
    ]);
    if (outcome.ok) return { status: settled.status, site: submission.site };
    if (attempt >= MAX_ATTEMPTS) throw new SubmissionConflict();
  }
}

// ------------------------------------------------------------------------------------------------ notices

/**
 * Claims the sending of one email about a submission (a conditional put), so a retried task never sends it twice.
 * Returns false if it was already claimed.
 */
export async function claimNotice(submissionId: string, notice: string, now: Date): Promise<boolean> {
  const put = await putIfAbsent({
    ...keys.submissionNotice(submissionId, notice),
    entity: 'submission-notice',
    createdAt: now.toISOString(),
  });
  return put.written;
}

/** Gives a notice back after a failure worth retrying, so the retry sends it. */
export function releaseNotice(submissionId: string, notice: string): Promise<void> {
  return deleteItem({ ...keys.submissionNotice(submissionId, notice) });
}

/**
 * Takes one of the staff user's review emails for today (`MODERATION_NOTICES_PER_DAY`); false when none is left.
 * The same claim taken again (a retried task) counts once.
 */
export function takeNoticeAllowance(staffId: string, claimId: string, now: Date): Promise<boolean> {
  return takeDailyAllowance({
    key: keys.noticeLimit(`STAFF#${staffId}`, utcDay(now)),
    maximum: submissionSettings().moderationNoticesPerDay,
    entity: 'notice-limit',
    claimId,
    now,
  });
}

// ------------------------------------------------------------------------------------------------ listings

export interface SubmissionPage {
  items: SubmissionItem[];
  cursor: string | null;
}

const GSI1_CURSOR = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
const GSI2_CURSOR = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;
/** Pages read at most to fill one filtered page. */
const MAX_READS_PER_PAGE = 10;

/** The query filter for `visibility`, so pages come back full rather than thinned after the query. */
function visibilityFilter(visibility: Visibility) {
  const names = { '#status': 'status', '#entity': 'entity' };
  if ('all' in visibility) {
    return {
      FilterExpression: '#entity = :submission AND #status <> :received',
      ExpressionAttributeNames: names,
      values: { ':submission': 'submission', ':received': 'received' },
    };
  }
  const sites = visibility.approvedOnlyExcept;
  const siteValues = Object.fromEntries(sites.map((site, index) => [`:site${index}`, site]));
  return {
    FilterExpression:
      sites.length === 0
        ? '#entity = :submission AND #status = :approved'
        : `#entity = :submission AND #status <> :received AND (#status = :approved OR #site IN (${Object.keys(siteValues).join(', ')}))`,
    ExpressionAttributeNames: sites.length === 0 ? names : { ...names, '#site': 'site' },
    values: {
      ':submission': 'submission',
      ':approved': 'approved',
      ...(sites.length === 0 ? {} : { ':received': 'received', ...siteValues }),
    },
  };
}

function parseSubmissions(raw: Item[] | undefined): SubmissionItem[] {
  return (raw ?? []).map((item) => parseItem(SubmissionItemSchema, item, keyOf(item)));
}

/**
 * A submitter's submissions that `visibility` shows, newest first, `limit` at a time. Throws `InvalidCursor` for a
 * cursor not handed out for this submitter.
 */
export async function listSubmitterSubmissions(
  submitterId: string,
  options: { visibility: Visibility; limit: number; cursor?: string },
): Promise<SubmissionPage> {
  const partition = indexKeys.submitterPartition(submitterId);
  const filter = visibilityFilter(options.visibility);
  let start = options.cursor ? decodeCursor(options.cursor, GSI1_CURSOR, { gsi1pk: partition }) : undefined;
  const items: SubmissionItem[] = [];
  for (let reads = 0; reads < MAX_READS_PER_PAGE && items.length < options.limit; reads++) {
    const page = await documentClient
      .send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition',
          FilterExpression: filter.FilterExpression,
          ExpressionAttributeNames: filter.ExpressionAttributeNames,
          ExpressionAttributeValues: { ':partition': partition, ...filter.values },
          ScanIndexForward: false,
          Limit: options.limit - items.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      )
      .catch(rethrowAwsError);
    items.push(...parseSubmissions(page.Items));
    start = page.LastEvaluatedKey as Record<string, string> | undefined;
    if (!start) break;
  }
  return { items, cursor: start ? encodeCursor(pick(start, GSI1_CURSOR)) : null };
}

/** How many of a submitter's submissions `visibility` shows. */
export async function countSubmitterSubmissions(
  submitterId: string,
  visibility: Visibility,
): Promise<number> {
  const filter = visibilityFilter(visibility);
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient
      .send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :partition',
          FilterExpression: filter.FilterExpression,
          ExpressionAttributeNames: filter.ExpressionAttributeNames,
          ExpressionAttributeValues: {
            ':partition': indexKeys.submitterPartition(submitterId),
            ...filter.values,
          },
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      )
      .catch(rethrowAwsError);
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** A site's submissions in one status, oldest first. Throws `InvalidCursor` for a cursor not of this queue. */
export async function moderationQueue(
  site: string,
  status: SubmissionStatus,
  options: { limit: number; cursor?: string },
): Promise<SubmissionPage> {
  const partition = indexKeys.moderationQueuePartition(site, status);
  const start = options.cursor ? decodeCursor(options.cursor, GSI2_CURSOR, { gsi2pk: partition }) : undefined;
  const page = await documentClient
    .send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :partition',
        ExpressionAttributeValues: { ':partition': partition },
        ScanIndexForward: true,
        Limit: options.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    )
    .catch(rethrowAwsError);
  const last = page.LastEvaluatedKey as Record<string, string> | undefined;
  return {
    items: parseSubmissions(page.Items),
    cursor: last ? encodeCursor(pick(last, GSI2_CURSOR)) : null,
  };
}

function pick(key: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, key[name] ?? '']));
}

/** The repository as one replaceable dependency (tasks, fast tests). */
export const submissionRepository = {
  createSubmission,
  discardReceived,
  getSubmission,
  getReview,
  markPending,
  storeRoundToken,
  recordDecision,
  claimReview,
  withdrawSubmission,
  settleSubmission,
  claimNotice,
  releaseNotice,
  takeNoticeAllowance,
  listSubmitterSubmissions,
  countSubmitterSubmissions,
  moderationQueue,
};
export type SubmissionRepository = typeof submissionRepository;
