/**
 * When a registration names an address that already belongs to a member, the requester is not told (that would let
 * anyone probe which addresses are registered); the address's owner is, by email, with their member id. Anyone can
 * trigger this, so an address gets at most `DUPLICATE_REGISTRATION_NOTICES_PER_DAY` such emails a UTC day.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../core/aws-clients.js';
import { requiredEnv } from '../core/config.js';
import { renderEmail } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { rethrowAwsError } from '../core/errors.js';
import { takeDailyAllowance, utcDay } from '../core/daily-allowance.js';
import { keys, mailboxHash } from '../core/keys.js';
import { duplicateNoticesPerDay } from '../core/members/settings.js';
import type { MemberItem } from '../core/members/model.js';
import {
  RegistrationStartSchema,
  deleteRegistrationRequest,
  loadRegistrationRequest,
} from '../core/members/registration-request.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = RegistrationStartSchema;

export const handler = async (event: unknown) => {
  const start = parseTaskInput(InputSchema, event);
  const requestedMemberId = start.memberId;
  const { email } = await loadRegistrationRequest(start);
  const result = await notifyOwner(email, requestedMemberId, start.requestId);
  // Told or not, the request's personal details are no longer needed.
  await deleteRegistrationRequest(start.requestId);
  return result;
};

async function notifyOwner(email: string, requestedMemberId: string, requestId: string) {
  try {
    const owner = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.memberEmail(email) }),
    );
    const ownerId = owner.Item?.memberId as string | undefined;
    if (!ownerId) return { sent: false, reason: 'address no longer registered' };
    const profile = await documentClient.send(
      new GetCommand({ TableName: tableName(), Key: keys.member(ownerId) }),
    );
    const member = profile.Item as MemberItem | undefined;
    // A pending registration holding the address expires by itself; only an active member is told.
    if (member?.status !== 'active') return { sent: false, reason: 'address held by a pending registration' };
    // Claimed by the request: a retried task (SES throttled) counts once.
    const allowed = await takeDailyAllowance({
      key: keys.noticeLimit(`REGISTRATION#${mailboxHash(member.email)}`, utcDay(new Date())),
      maximum: duplicateNoticesPerDay(),
      entity: 'notice-limit',
      claimId: requestId,
    });
    if (!allowed) return { sent: false, reason: 'daily notice limit reached' };
    const notice = renderEmail({
      subject: 'Someone tried to register with your email address',
      greeting: `Hello ${member.fullName},`,
      paragraphs: [
        `Someone asked to register the alumni profile ${requestedMemberId} with this email address, which already belongs to your profile ${member.id}.`,
        'If it was you, sign in from the alumni site instead: we will email you a link. If it was not, you can ignore this email; nothing has changed.',
      ],
      action: { label: 'Go to the alumni site', url: requiredEnv('SITE_URL') },
    });
    const messageId = await sendEmail(member.email, notice);
    return { sent: true, messageId };
  } catch (error) {
    rethrowAwsError(error);
  }
}
