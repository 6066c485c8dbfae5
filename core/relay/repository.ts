/**
 * The relay's items in the table (see `core/keys.ts`): the request (`RELAY#<relayId>`), the limit counters and pair
 * records (`LIMIT#...`), the blocks (`BLOCK#...`), and the member profiles it reads. The only relay module that
 * talks to DynamoDB; reads are parsed with the item schemas of `model.ts`. What to write is decided by `rules.ts`;
 * this module makes each decision one conditional write or one transaction, so concurrent requests and retried
 * steps cannot overshoot a limit or send twice.
 *
 * Exported as one object (`relayRepository`) so a task takes it as a dependency and a test passes an in-memory
 * fake of the same shape.
 */
import { z } from 'zod';
import { tableName } from '../aws-clients.js';
import type { Clock } from '../clock.js';
import { dailyAllowanceUpdate, type DailyAllowance } from '../daily-allowance.js';
import {
  claimOnce,
  deleteItem,
  getItem,
  putIfAbsent,
  releaseClaim,
  transact,
  updateIf,
  type TransactItem,
} from '../db.js';
import { DomainError } from '../errors.js';
import { keys as itemKeys, type ItemKey } from '../keys.js';
import { issueLinkToken, type LinkPurpose } from '../links.js';
import {
  RelayMemberSchema,
  StoredRelaySchema,
  recipientKeyOf,
  type RelayItem,
  type RelayMember,
  type RelayResult,
  type StoredRelay,
} from './model.js';
import { openRelay, type QuotaReservation, type ReservationRefusal } from './rules.js';

/** Any item, when only its presence or the write's condition matters. */
const AnyItemSchema = z.looseObject({});

const CONDITION_FAILED = 'ConditionalCheckFailed';

/** The table's keys as `core/db.ts` takes them (a plain record). */
const keys = {
  relay: (relayId: string) => ({ ...itemKeys.relay(relayId) }),
  member: (memberId: string) => ({ ...itemKeys.member(memberId) }),
  relayBlock: (recipientKey: string, senderKey: string) => ({
    ...itemKeys.relayBlock(recipientKey, senderKey),
  }),
  senderDailyLimit: itemKeys.senderDailyLimit,
  recipientDailyLimit: itemKeys.recipientDailyLimit,
  pairLimit: itemKeys.pairLimit,
};

/** The request as stored (open or closed), or `undefined`. Strongly consistent. */
async function findRelay(relayId: string): Promise<StoredRelay | undefined> {
  return getItem(StoredRelaySchema, keys.relay(relayId));
}

/** For tasks: the open request; a missing or closed one is bad input for the workflow (never retried). */
async function getRelay(relayId: string): Promise<RelayItem> {
  return openRelay(await findRelay(relayId));
}

/** A member profile, as the relay reads it (`RelayMemberSchema`), or `undefined`. */
async function getMember(memberId: string): Promise<RelayMember | undefined> {
  return getItem(RelayMemberSchema, keys.member(memberId));
}

/** Whether the recipient has reported (so blocked) this sender. */
async function isBlocked(recipientKey: string, senderKey: string): Promise<boolean> {
  return (await getItem(AnyItemSchema, keys.relayBlock(recipientKey, senderKey))) !== undefined;
}

/** Stores the student wait's task token on the open student request; returns the request. */
async function storeTaskToken(relayId: string, taskToken: string, now: Date): Promise<RelayItem> {
  const relay = await updateIf(StoredRelaySchema, {
    Key: keys.relay(relayId),
    UpdateExpression: 'SET verificationTaskToken = :token, updatedAt = :now',
    ConditionExpression: 'senderKind = :student AND attribute_not_exists(outcome)',
    ExpressionAttributeValues: { ':token': taskToken, ':now': now.toISOString(), ':student': 'student' },
  });
  if (!relay) throw new DomainError('InvalidInput', 'No open student request with this id');
  return openRelay(relay);
}

/** Issues a link of the request (a credential: the caller puts it in an email, never in a log). */
async function issueLink(
  memberId: string,
  purpose: Extract<LinkPurpose, 'student-contact' | 'relay-report'>,
  validForSeconds: number,
  relayId: string,
): Promise<string> {
  return (await issueLinkToken(memberId, purpose, validForSeconds, { relayId })).token;
}

/**
 * Reserves the request's limits in one transaction: marks the request reserved, counts it for the sender's and the
 * recipient's day (each conditional on the day's maximum) and writes the pair record (conditional on none).
 * Returns `undefined` when reserved, otherwise which conditions failed.
 */
async function reserveQuota(reservation: QuotaReservation): Promise<ReservationRefusal | undefined> {
  const counter = ({ key, maximum }: { key: ItemKey; maximum: number }): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'ADD #count :one SET entity = :entity, expiresAt = :expiry, updatedAt = :now',
      ConditionExpression: 'attribute_not_exists(#count) OR #count < :maximum',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: {
        ':one': 1,
        ':maximum': maximum,
        ':entity': 'relay-limit',
        ':expiry': reservation.counterExpiresAt,
        ':now': reservation.at,
      },
    },
  });
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.relay(reservation.relayId),
        UpdateExpression: 'SET quotaReservedAt = :now, quotaDay = :day, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(quotaReservedAt)',
        ExpressionAttributeValues: { ':now': reservation.at, ':day': reservation.day },
      },
    },
    counter(reservation.sender),
    counter(reservation.recipient),
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...reservation.pair,
          entity: 'relay-pair',
          relayId: reservation.relayId,
          createdAt: reservation.at,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ]);
  if (outcome.ok) return undefined;
  const [request, sender, recipient, pair] = outcome.reasons.map((reason) => reason === CONDITION_FAILED);
  return {
    alreadyReserved: request ?? false,
    sender: sender ?? false,
    recipient: recipient ?? false,
    pair: pair ?? false,
  };
}

/**
 * Gives back what the reservation of `day` took (the day's counters and the pair record), conditional on the
 * request still holding it: released by an earlier attempt is released. A concurrent change is retryable.
 */
async function releaseQuota(relay: RelayItem, day: string, now: Date): Promise<void> {
  const decrement = (key: ItemKey): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: key,
      UpdateExpression: 'ADD #count :minusOne',
      ConditionExpression: '#count > :zero',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
    },
  });
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.relay(relay.relayId),
        UpdateExpression: 'REMOVE quotaReservedAt, quotaDay SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(quotaReservedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
      },
    },
    decrement(keys.senderDailyLimit(relay.senderKey, day)),
    decrement(keys.recipientDailyLimit(recipientKeyOf(relay), day)),
    {
      Delete: {
        TableName: tableName(),
        Key: keys.pairLimit(relay.senderKey, recipientKeyOf(relay)),
        ConditionExpression: 'relayId = :relayId',
        ExpressionAttributeValues: { ':relayId': relay.relayId },
      },
    },
  ]);
  if (outcome.ok || outcome.reasons[0] === CONDITION_FAILED) return;
  if (outcome.reasons.includes('TransactionConflict')) {
    throw new DomainError('TryAgainLater', 'A concurrent change got in the way');
  }
  throw new QuotaReleaseRefused(outcome.reasons);
}

/** The release's transaction was refused for a reason other than an earlier release (a counter already at 0). */
export class QuotaReleaseRefused extends Error {
  override name = 'QuotaReleaseRefused';
  constructor(reasons: string[]) {
    super(`Releasing the relay's limits was refused: ${reasons.join(', ')}`);
  }
}

/**
 * Sends the relayed email at most once: claims the send with a conditional write, runs `send`, then marks the
 * request sent. `false`: claimed already, by an attempt that may have sent it (whether SES took it is unknown, and
 * sending twice is worse). A failed `send` gives the claim back, so the workflow's retry can send.
 */
async function sendOnce(relayId: string, clock: Clock, send: () => Promise<void>): Promise<boolean> {
  const key = keys.relay(relayId);
  const claimed = await claimOnce(AnyItemSchema, key, 'sendClaimedAt', clock.now().toISOString());
  if (!claimed) return false;
  try {
    await send();
  } catch (error) {
    await releaseClaim(key, 'sendClaimedAt');
    throw error;
  }
  const sentAt = clock.now().toISOString();
  await updateIf(AnyItemSchema, {
    Key: key,
    UpdateExpression: 'SET sentAt = :now, updatedAt = :now',
    ExpressionAttributeValues: { ':now': sentAt },
  });
  return true;
}

/**
 * Records the outcome and forgets what is no longer needed: the message, the subject, the student's name and
 * address, the task token and both member ids. The first close wins: a request that has ended keeps its outcome,
 * and a missing one needs nothing.
 */
async function closeRelay(relayId: string, result: RelayResult, now: Date, expiresAt: number): Promise<void> {
  await updateIf(AnyItemSchema, {
    Key: keys.relay(relayId),
    UpdateExpression:
      'SET outcome = :outcome, updatedAt = :now, expiresAt = :expiry' +
      (result.limit ? ', #limit = :limit' : '') +
      ' REMOVE message, subject, studentName, studentEmail, verificationTaskToken, recipientId, senderMemberId',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(outcome)',
    ExpressionAttributeNames: result.limit ? { '#limit': 'limit' } : undefined,
    ExpressionAttributeValues: {
      ':outcome': result.outcome,
      ':now': now.toISOString(),
      ':expiry': expiresAt,
      ...(result.limit ? { ':limit': result.limit } : {}),
    },
  });
}

// ------------------------------------------------------------------------------------------------ the API's side

/** Stores a new request (a random id: an existing one is a bug). */
async function createRelay(item: RelayItem): Promise<void> {
  const stored = await putIfAbsent(item);
  if (!stored.written) throw new Error('A relay request with this id exists already');
}

/**
 * Stores a student's request together with the day's count of requests from that address, the count
 * conditionally (race-free). `false`: the address has used the day's allowance, and nothing was stored.
 */
async function createStudentRelay(
  item: RelayItem,
  allowance: Pick<DailyAllowance, 'key' | 'maximum' | 'now'>,
): Promise<boolean> {
  const outcome = await transact([
    { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    { Update: dailyAllowanceUpdate({ ...allowance, entity: 'relay-limit' }) },
  ]);
  if (outcome.ok) return true;
  if (outcome.reasons[1] === CONDITION_FAILED) return false;
  throw new Error(`The relay request was not stored: ${outcome.reasons.join(', ')}`);
}

/** Removes a request nothing will act on (its workflow did not start). Best effort: its TTL removes it anyway. */
async function deleteRelay(relayId: string): Promise<void> {
  await deleteItem(keys.relay(relayId)).catch(() => undefined);
}

/**
 * A report, in one transaction: the request is marked reported, the sender blocked from contacting this recipient
 * (no TTL: a block lasts as long as the member; a second report keeps the first one's time and relay), and the
 * link marked used. `false`: the request or the link vanished (TTL) since they were read.
 */
async function reportRelay(report: {
  relayId: string;
  recipientKey: string;
  senderKey: string;
  link: ItemKey;
  now: Date;
}): Promise<boolean> {
  const now = report.now.toISOString();
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.relay(report.relayId),
        UpdateExpression: 'SET reportedAt = if_not_exists(reportedAt, :now), updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now },
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: keys.relayBlock(report.recipientKey, report.senderKey),
        UpdateExpression:
          'SET entity = :entity, createdAt = if_not_exists(createdAt, :now), updatedAt = :now, ' +
          'relayId = if_not_exists(relayId, :relayId)',
        ExpressionAttributeValues: { ':entity': 'relay-block', ':now': now, ':relayId': report.relayId },
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: report.link,
        UpdateExpression: 'SET redeemedAt = if_not_exists(redeemedAt, :now), updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now },
      },
    },
  ]);
  if (outcome.ok) return true;
  if (outcome.reasons.includes(CONDITION_FAILED)) return false;
  throw new Error(`The report was not stored: ${outcome.reasons.join(', ')}`);
}

export const relayRepository = {
  findRelay,
  getRelay,
  getMember,
  isBlocked,
  storeTaskToken,
  issueLink,
  reserveQuota,
  releaseQuota,
  sendOnce,
  closeRelay,
  createRelay,
  createStudentRelay,
  deleteRelay,
  reportRelay,
};

export type RelayRepository = typeof relayRepository;
