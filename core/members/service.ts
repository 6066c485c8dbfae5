/**
 * The API's side of the members domain (`api/routes/members.ts` only validates, authorizes and answers): starting
 * the registration workflow, the registration's early refusal, and `POST /member/{id}/login`'s emails. Errors are
 * `DomainError`s with lumina's messages; the API's error handler answers them with their catalogue status.
 */
import { createHash } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../aws-clients.js';
import { systemClock } from '../clock.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { sendEmail } from '../email/send.js';
import { DomainError, errorName } from '../errors.js';
import { keys } from '../keys.js';
import { issueLinkToken, linkUrl } from '../links.js';
import { logger } from '../logger.js';
import { returnSignInEmail, takeSignInEmail } from '../sign-in-limit.js';
import { stableStringify } from '../stable-json.js';
import { loginEmail, type MemberMailer } from './emails.js';
import { memberMessages } from './messages.js';
import type { MemberItem, RegistrationRequest } from './model.js';
import { storeRegistrationRequest } from './registration-request.js';
import { memberRepository } from './repository.js';
import { canResendVerification } from './rules.js';
import { emailVerification } from './verification.js';

/** A login link is valid for an hour (lumina's link was a 90-day session token). */
export const LOGIN_LINK_VALID_SECONDS = 3600;

/** Step Functions execution names: at most 80 of `[A-Za-z0-9_-]`. */
const MAX_EXECUTION_NAME = 80;
/** Room left for the `-<epoch seconds>` suffix of a repeated registration. */
const RETRY_SUFFIX_LENGTH = 11;

const sesMailer: MemberMailer = { send: sendEmail };

/**
 * `reg-<id>-<first 16 hex of sha256(input)>`: the same request (a double click, a client retry) names the same
 * execution, which StartExecution returns again while it runs. Ids too long to fit are shortened; the hash covers
 * the full id, so names still differ.
 */
export function registrationExecutionName(memberId: string, input: string): string {
  const hash = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const room = MAX_EXECUTION_NAME - RETRY_SUFFIX_LENGTH - 'reg-'.length - 1 - hash.length;
  return `reg-${memberId.slice(0, room)}-${hash}`;
}

/**
 * `POST /member/{id}`: refuses an id that is taken (active or pending: 409), otherwise stores the request and
 * starts the registration workflow, which reserves the id, emails the link and activates the member.
 */
export async function register(request: RegistrationRequest, now: Date = systemClock.now()): Promise<void> {
  if (await memberRepository.getMember(request.memberId)) {
    throw new DomainError('Conflict', memberMessages.alreadyExists);
  }
  await startRegistration(request, now);
}

async function startRegistration(request: RegistrationRequest, now: Date): Promise<void> {
  const stateMachineArn = requiredEnv(stateMachineArnVariable('registration'));
  // The name comes from the whole request, so a double click or a client retry is the same execution; the
  // execution itself carries only ids (its input and history are kept for 90 days, out of an erasure's reach).
  const name = registrationExecutionName(request.memberId, stableStringify(request));
  const start = async (requestId: string) => {
    await storeRegistrationRequest(requestId, request.memberId, request.registration, now);
    const input = stableStringify({ memberId: request.memberId, requestId });
    await sfnClient.send(new StartExecutionCommand({ stateMachineArn, name: requestId, input }));
  };
  await start(name).catch(async (error: unknown) => {
    if (errorName(error) !== 'ExecutionAlreadyExists') throw error;
    // The same body was used by an earlier registration that has finished (expired, say): a fresh execution.
    await start(`${name}-${Math.floor(now.getTime() / 1000)}`);
  });
}

/**
 * An email SES did not take for now (throttling, an outage): the caller may ask again later (503). `sendEmail`
 * fails with the name `RetryableError` whether or not the error is a `DomainError`.
 */
function emailUnavailable(error: unknown, what: string): never {
  if (errorName(error) === 'RetryableError') {
    logger.warn(what, { error: errorName(error), reason: error instanceof Error ? error.message : '' });
    throw new DomainError('TryAgainLater', memberMessages.emailUnavailable);
  }
  throw error;
}

async function emailLoginLink(member: MemberItem, mailer: MemberMailer, now: Date): Promise<void> {
  const { token } = await issueLinkToken(
    member.id,
    'login',
    LOGIN_LINK_VALID_SECONDS,
    { memberUid: member.uid },
    now,
  );
  const email = loginEmail(member, linkUrl(requiredEnv('SITE_URL'), token));
  await mailer
    .send(member.email, email)
    .catch((error: unknown) => emailUnavailable(error, 'Login email not sent'));
}

/**
 * lumina's way to resend a registration's link: `POST /member/{id}/login` for a registration still waiting. A new
 * link replaces the earlier one (which stops working), valid until the registration's wait ends; or nothing, when
 * the workflow has not yet sent its own first email or the address is an active member's. The answer is the same
 * "OK" in every case, as for an active member: it tells nobody more than `POST /member/{id}`'s 409 does.
 */
async function resendVerification(member: MemberItem, mailer: MemberMailer, now: Date): Promise<boolean> {
  if (!canResendVerification(member, now) || !member.verificationValidUntil) return false;
  const outcome = await emailVerification(member, member.verificationValidUntil, false, {
    members: memberRepository,
    mailer,
    now,
  }).catch((error: unknown) => emailUnavailable(error, 'Verification email not resent'));
  if (!outcome.sent) logger.info('Verification link not resent', { reason: outcome.reason });
  return outcome.sent !== false;
}

/**
 * `POST /member/{id}/login`: a login link for an active member, a new verification link for a waiting
 * registration. Anyone may ask (lumina's contract): an allowance keeps that from flooding the member's inbox. Over
 * it, nothing is sent and the answer is the same: a link went out less than one allowance interval ago and still
 * works, so a stranger using the allowance up does not keep the member from signing in.
 */
export async function requestLoginLink(
  memberId: string,
  now: Date = systemClock.now(),
  mailer: MemberMailer = sesMailer,
): Promise<void> {
  const member = await memberRepository.getMember(memberId);
  if (!member) throw new DomainError('NotFound', memberMessages.notFound);
  const principal = keys.memberPartition(member.id);
  if (!(await takeSignInEmail(principal, now))) return;
  const sent =
    member.status === 'active'
      ? emailLoginLink(member, mailer, now).then(() => true)
      : resendVerification(member, mailer, now);
  // Nothing went out (no link to resend yet, the address's own allowance used up): nothing to count.
  const counted = await sent.catch(async (error: unknown) => {
    await returnSignInEmail(principal);
    throw error;
  });
  if (!counted) await returnSignInEmail(principal);
}
