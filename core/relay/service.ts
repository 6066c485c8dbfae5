/**
 * The API's side of the "first email" relay: store a contact request and start its workflow, wait briefly for its
 * outcome, and act on the two emailed links (a student confirming their address, a recipient reporting abuse).
 * The workflow does the rest: consent, blocks, limits and the email itself. Tokens, task tokens, addresses, names
 * and messages are credentials or personal data: none is ever logged.
 *
 * Callers pass the time (`now`): the routes read the system clock once per request.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type ExecutionStatus,
} from '@aws-sdk/client-sfn';
import { findLink, linkMessages } from '../auth/redeem.js';
import { sfnClient } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { DomainError, errorName } from '../errors.js';
import { keys } from '../keys.js';
import { claimLink, hashLinkToken, releaseLinkClaim, type LinkItem } from '../links.js';
import { logger } from '../logger.js';
import { RelayResultSchema, relayExecutionName, type RelayResult } from './model.js';
import { relayRepository } from './repository.js';
import {
  confirmationRefusal,
  newRelayItem,
  relayLinkRefusal,
  reportTarget,
  utcDay,
  type LinkRefusal,
  type NewContactRequest,
} from './rules.js';
import { relaySettings } from './settings.js';

export type { NewContactRequest } from './rules.js';

export const RELAY_WORKFLOW = 'first-email-relay';

export const relayMessages = {
  unavailable: 'Your message could not be sent. Please try again later.',
  confirmUnavailable: 'Your message is still being prepared. Please try the link again in a minute.',
  studentRequestsExceeded:
    'You have asked to contact members as many times today as the network allows. Please try again tomorrow.',
} as const;

/** A refused link, answered 401 with its message. */
function linkRefused(refusal: LinkRefusal): DomainError {
  return new DomainError('LinkRefused', linkMessages[refusal]);
}

/**
 * Stores the request (`RELAY#<relayId>`) and starts `first-email-relay` with the relay id only, so neither the
 * message nor an address enters the execution's input or history. Returns the execution's ARN.
 */
export async function startContactRequest(request: NewContactRequest, now: Date): Promise<string> {
  const relayId = randomUUID();
  const settings = relaySettings();
  // The recipient is the profile that holds the id now; a request outliving it must not reach a later one.
  const recipient = await relayRepository.getMember(request.recipientId);
  const item = newRelayItem(request, recipient, relayId, now, settings);
  if (request.kind === 'student') {
    // Until a student confirms, nothing else limits how often the service emails their address.
    const stored = await relayRepository.createStudentRelay(item, {
      key: keys.studentRequestLimit(item.senderKey, utcDay(now)),
      maximum: settings.studentDailyRequestLimit,
      now,
    });
    if (!stored) throw new DomainError('LimitReached', relayMessages.studentRequestsExceeded);
  } else {
    await relayRepository.createRelay(item);
  }
  const stateMachineArn = requiredEnv(stateMachineArnVariable(RELAY_WORKFLOW));
  const started = await sfnClient
    .send(
      new StartExecutionCommand({
        stateMachineArn,
        name: relayExecutionName(relayId),
        input: JSON.stringify({ relayId }),
      }),
    )
    .catch(async (error: unknown) => {
      logger.error('Relay workflow not started', { relayId, error: errorName(error) });
      // Nothing will ever act on the stored message: remove it now rather than at its TTL.
      await relayRepository.deleteRelay(relayId);
      throw new DomainError('TryAgainLater', relayMessages.unavailable);
    });
  logger.info('Relay request started', { relayId, senderKind: request.kind });
  return started.executionArn!;
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
  let parsed: unknown;
  try {
    parsed = JSON.parse(output ?? 'null');
  } catch {
    return undefined;
  }
  const result = RelayResultSchema.safeParse((parsed as { result?: unknown } | null)?.result);
  return result.success ? result.data : undefined;
}

// ------------------------------------------------------------------------------------------------ links

/** A relay link's item, if the token names one of `purpose` that is still within its time; otherwise 401. */
async function validRelayLink(
  token: string,
  purpose: 'student-contact' | 'relay-report',
  now: Date,
): Promise<LinkItem & { relayId: string }> {
  const link = await findLink(token);
  const refusal = relayLinkRefusal(link, purpose, now);
  if (refusal || !link?.relayId) throw linkRefused(refusal ?? 'invalid');
  return { ...link, relayId: link.relayId };
}

/** Names Step Functions answers with when the task no longer waits: the student's wait has ended. */
const ENDED_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * A student follows the emailed link and presses Confirm: the link is claimed once (a double click confirms once)
 * and the workflow waiting for it resumes. A failure a retry could fix releases the claim.
 */
export async function confirmStudentContact(token: string, now: Date): Promise<void> {
  const link = await validRelayLink(token, 'student-contact', now);
  if (link.redeemedAt) throw linkRefused('used');
  const claimId = randomUUID();
  if (!(await claimLink(token, claimId, now))) throw linkRefused('used');
  await resumeRelay(link, now).catch(async (error: unknown) => {
    if (!(error instanceof DomainError && error.code === 'LinkRefused')) {
      await releaseLinkClaim(token, claimId).catch((releaseError: unknown) =>
        logger.error('Could not release a relay link claim', {
          relayId: link.relayId,
          error: errorName(releaseError),
        }),
      );
    }
    throw error;
  });
  logger.info('Student contact confirmed', { relayId: link.relayId });
}

async function resumeRelay(link: LinkItem & { relayId: string }, now: Date): Promise<void> {
  const relay = await relayRepository.findRelay(link.relayId);
  const refusal = confirmationRefusal(relay, link);
  if (refusal) throw linkRefused(refusal);
  if (!relay?.verificationTaskToken) throw new DomainError('TryAgainLater', relayMessages.confirmUnavailable);
  await sfnClient
    .send(
      new SendTaskSuccessCommand({
        taskToken: relay.verificationTaskToken,
        output: JSON.stringify({ confirmedAt: now.toISOString() }),
      }),
    )
    .catch((error: unknown) => {
      if (error instanceof Error && ENDED_TASK_ERRORS.has(error.name)) throw linkRefused('expired');
      throw error;
    });
}

/**
 * The recipient reports a relayed email: the relay is marked reported and its sender blocked from contacting this
 * member again, in one transaction. Reporting again changes nothing and succeeds.
 */
export async function reportRelay(token: string, now: Date): Promise<void> {
  const link = await validRelayLink(token, 'relay-report', now);
  const target = reportTarget(await relayRepository.findRelay(link.relayId), link);
  if ('refusal' in target) throw linkRefused(target.refusal);
  // The relay or the link vanished (TTL) between the read and the write.
  const reported = await relayRepository.reportRelay({
    ...target,
    link: keys.link(hashLinkToken(token)),
    now,
  });
  if (!reported) throw linkRefused('expired');
  logger.info('Relay reported', { relayId: target.relayId });
}
