/**
 * The API's side of the "first email" relay: store a contact request and start its workflow, wait briefly for its
 * outcome, and act on the two emailed links (a student confirming their address, a recipient reporting abuse).
 * The workflow does the rest: consent, blocks, limits and the email itself. Tokens, task tokens, addresses, names
 * and messages are credentials or personal data: none is ever logged.
 */
import { dailyAllowanceUpdate, utcDay } from '../daily-allowance.js';
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { DeleteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { findLink, linkMessages } from '../auth/redeem.js';
import { documentClient, sfnClient, tableName } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { HttpError } from '../http-error.js';
import { epochSeconds, keys } from '../keys.js';
import { claimLink, hashLinkToken, releaseLinkClaim, type LinkItem, type LinkPurpose } from '../links.js';
import { logger } from '../logger.js';
import { getMember } from '../members/account.js';
import {
  RelayResultSchema,
  memberRelayKey,
  relayExecutionName,
  studentSenderKey,
  type RelayItem,
  type RelayResult,
} from './model.js';
import { relaySettings } from './settings.js';
import { findRelay } from './store.js';

export const RELAY_WORKFLOW = 'first-email-relay';

/** A member's request is answered within seconds; its item expires anyway if the workflow never closes it. */
const MEMBER_REQUEST_TTL_SECONDS = 2 * 24 * 3600;
const DAY_SECONDS = 24 * 3600;

export const relayMessages = {
  unavailable: 'Your message could not be sent. Please try again later.',
  confirmUnavailable: 'Your message is still being prepared. Please try the link again in a minute.',
  studentRequestsExceeded:
    'You have asked to contact members as many times today as the network allows. Please try again tomorrow.',
} as const;

export type NewContactRequest =
  | {
      kind: 'member';
      recipientId: string;
      sender: { id: string; uid?: string };
      subject?: string;
      message: string;
    }
  | {
      kind: 'student';
      recipientId: string;
      studentName: string;
      studentEmail: string;
      subject?: string;
      message: string;
    };

/**
 * Stores the request (`RELAY#<relayId>`) and starts `first-email-relay` with the relay id only, so neither the
 * message nor an address enters the execution's input or history. Returns the execution's ARN.
 */
export async function startContactRequest(request: NewContactRequest): Promise<string> {
  const relayId = randomUUID();
  const now = new Date();
  // The recipient is the profile that holds the id now; a request outliving it must not reach a later one.
  const recipient = await getMember(request.recipientId);
  const ttl =
    request.kind === 'member'
      ? MEMBER_REQUEST_TTL_SECONDS
      : relaySettings().studentVerificationTimeoutSeconds + DAY_SECONDS;
  const item: RelayItem = {
    ...keys.relay(relayId),
    entity: 'relay',
    relayId,
    recipientId: request.recipientId,
    ...(recipient ? { recipientKey: memberRelayKey(recipient) } : {}),
    senderKind: request.kind,
    ...(request.kind === 'member'
      ? { senderKey: memberRelayKey(request.sender), senderMemberId: request.sender.id }
      : {
          senderKey: studentSenderKey(request.studentEmail),
          studentName: request.studentName,
          studentEmail: request.studentEmail,
        }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(request.subject === undefined ? {} : { subject: request.subject }),
    message: request.message,
    expiresAt: epochSeconds(now) + ttl,
  };
  if (request.kind === 'student') await storeStudentRequest(item, now);
  else {
    await documentClient.send(
      new PutCommand({ TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }
  const stateMachineArn = requiredEnv(stateMachineArnVariable(RELAY_WORKFLOW));
  try {
    const started = await sfnClient.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: relayExecutionName(relayId),
        input: JSON.stringify({ relayId }),
      }),
    );
    logger.info('Relay request started', { relayId, senderKind: request.kind });
    return started.executionArn!;
  } catch (error) {
    logger.error('Relay workflow not started', { relayId, error: errorName(error) });
    // Nothing will ever act on the stored message: remove it now rather than at its TTL.
    await documentClient
      .send(new DeleteCommand({ TableName: tableName(), Key: keys.relay(relayId) }))
      .catch(() => undefined);
    throw new HttpError(503, relayMessages.unavailable);
  }
}

/**
 * Until a student confirms, nothing else limits how often the service emails their address, so the request and
 * that address's daily count are written together, the count conditionally (race-free).
 */
async function storeStudentRequest(item: RelayItem, now: Date): Promise<void> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName(), Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: dailyAllowanceUpdate({
              key: keys.studentRequestLimit(item.senderKey, utcDay(now)),
              maximum: relaySettings().studentDailyRequestLimit,
              entity: 'relay-limit',
              now,
            }),
          },
        ],
      }),
    );
  } catch (error) {
    if (
      error instanceof TransactionCanceledException &&
      error.CancellationReasons?.[1]?.Code === 'ConditionalCheckFailed'
    ) {
      throw new HttpError(429, relayMessages.studentRequestsExceeded);
    }
    throw error;
  }
}

export type ContactRequestState =
  | { state: 'finished'; result: RelayResult }
  | { state: 'running' }
  | { state: 'failed'; status: ExecutionStatus | 'UNKNOWN_OUTPUT' };

/** Polls the execution until it ends or `waitMs` has passed. */
export async function awaitContactRequest(
  executionArn: string,
  waitMs: number,
  pollIntervalMs = 100,
): Promise<ContactRequestState> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const execution = await sfnClient.send(new DescribeExecutionCommand({ executionArn }));
    const status = execution.status ?? 'RUNNING';
    if (status === 'SUCCEEDED') {
      const result = parseResult(execution.output);
      return result ? { state: 'finished', result } : { state: 'failed', status: 'UNKNOWN_OUTPUT' };
    }
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') return { state: 'failed', status };
    if (Date.now() + pollIntervalMs > deadline) return { state: 'running' };
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

function parseResult(output: string | undefined): RelayResult | undefined {
  try {
    const parsed = RelayResultSchema.safeParse(
      (JSON.parse(output ?? 'null') as { result?: unknown })?.result,
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------ links

/** A relay link's item, if the token names one of `purpose` that is still within its time; otherwise 401. */
async function validRelayLink(token: string, purpose: LinkPurpose): Promise<LinkItem & { relayId: string }> {
  const link = await findLink(token);
  if (!link || link.purpose !== purpose || !link.relayId || Date.parse(link.validUntil) <= Date.now()) {
    throw new HttpError(401, linkMessages.invalid);
  }
  return link as LinkItem & { relayId: string };
}

/** Names Step Functions answers with when the task no longer waits: the student's wait has ended. */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * A student follows the emailed link and presses Confirm: the link is claimed once (a double click confirms once)
 * and the workflow waiting for it resumes. A failure a retry could fix releases the claim.
 */
export async function confirmStudentContact(token: string): Promise<void> {
  const link = await validRelayLink(token, 'student-contact');
  if (link.redeemedAt) throw new HttpError(401, linkMessages.used);
  const claimId = randomUUID();
  if (!(await claimLink(token, claimId, new Date()))) throw new HttpError(401, linkMessages.used);
  try {
    await resumeRelay(link);
    logger.info('Student contact confirmed', { relayId: link.relayId });
  } catch (error) {
    if (!(error instanceof HttpError && error.status === 401)) {
      await releaseLinkClaim(token, claimId).catch((releaseError: unknown) =>
        logger.error('Could not release a relay link claim', {
          relayId: link.relayId,
          error: errorName(releaseError),
        }),
      );
    }
    throw error;
  }
}

async function resumeRelay(link: LinkItem & { relayId: string }): Promise<void> {
  const relay = await findRelay(link.relayId);
  // Gone (its retention ended) or already closed (expired, refused): nothing waits for this link any more.
  if (!relay || relay.outcome) throw new HttpError(401, linkMessages.expired);
  if (relay.recipientId !== link.memberId || relay.senderKind !== 'student') {
    throw new HttpError(401, linkMessages.invalid);
  }
  if (!relay.verificationTaskToken) throw new HttpError(503, relayMessages.confirmUnavailable);
  try {
    await sfnClient.send(
      new SendTaskSuccessCommand({
        taskToken: relay.verificationTaskToken,
        output: JSON.stringify({ confirmedAt: new Date().toISOString() }),
      }),
    );
  } catch (error) {
    if (error instanceof Error && ENDED_TASK_ERRORS.has(error.name)) {
      throw new HttpError(401, linkMessages.expired);
    }
    throw error;
  }
}

/**
 * The recipient reports a relayed email: the relay is marked reported and its sender blocked from contacting this
 * member again, in one transaction. Reporting again changes nothing and succeeds.
 */
export async function reportRelay(token: string): Promise<void> {
  const link = await validRelayLink(token, 'relay-report');
  const relay = await findRelay(link.relayId);
  if (!relay) throw new HttpError(401, linkMessages.expired);
  // A closed request no longer names its recipient's id; its link still names the request.
  if (relay.recipientId && relay.recipientId !== link.memberId)
    throw new HttpError(401, linkMessages.invalid);
  // A request closed before recipient keys existed names neither: its link still names the recipient, under the
  // key such requests were limited and blocked by (the member id).
  const recipientKey = relay.recipientKey ?? relay.recipientId ?? link.memberId;
  const now = new Date().toISOString();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.relay(relay.relayId),
              UpdateExpression: 'SET reportedAt = if_not_exists(reportedAt, :now), updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':now': now },
            },
          },
          {
            // No TTL: a block lasts as long as the member. A second report keeps the first one's time and relay.
            Update: {
              TableName: tableName(),
              Key: keys.relayBlock(recipientKey, relay.senderKey),
              UpdateExpression:
                'SET entity = :entity, createdAt = if_not_exists(createdAt, :now), updatedAt = :now, ' +
                'relayId = if_not_exists(relayId, :relayId)',
              ExpressionAttributeValues: { ':entity': 'relay-block', ':now': now, ':relayId': relay.relayId },
            },
          },
          {
            Update: {
              TableName: tableName(),
              Key: keys.link(hashLinkToken(token)),
              UpdateExpression: 'SET redeemedAt = if_not_exists(redeemedAt, :now), updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':now': now },
            },
          },
        ],
      }),
    );
  } catch (error) {
    // The relay or the link vanished (TTL) between the read and the write.
    if (error instanceof TransactionCanceledException) {
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        throw new HttpError(401, linkMessages.expired);
      }
    }
    throw error;
  }
  logger.info('Relay reported', { relayId: relay.relayId });
}

/** Only the error's name: AWS messages can carry ARNs, and ours never carry personal data into a log. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}
