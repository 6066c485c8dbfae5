/**
 * Relay: send the one relayed email. To the recipient, from the service's address, `Reply-To` the sender, the
 * sender's text escaped, and a footer saying why it arrived, that replying reveals the recipient's address to the
 * sender, where to change consent and how to report abuse. The send is claimed first with a conditional write
 * (at most once); a failed send releases the claim so the workflow's retry can send.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { requiredEnv } from '../core/config.js';
import { renderEmail } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { issueLinkToken } from '../core/links.js';
import { memberRelayKey, recipientKeyOf, type RelayItem } from '../core/relay/model.js';
import { getMemberProfile, getRelay, relayErrors } from '../core/relay/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid() });
/** How long the recipient can report the email as abuse. */
const REPORT_LINK_SECONDS = 30 * 24 * 3600;

export const handler = async (event: unknown) => {
  const { relayId } = parseTaskInput(InputSchema, event);
  const relay = await getRelay(relayId);
  if (relay.sentAt) return { sent: true, alreadySent: true };
  const recipient = await getMemberProfile(relay.recipientId);
  // Still the profile the request was made to: an erased member's id registered again is someone else.
  if (recipient?.status !== 'active' || memberRelayKey(recipient) !== recipientKeyOf(relay)) {
    throw new WorkflowTaskError(
      relayErrors.notContactable,
      "This member can't be contacted through the network",
    );
  }
  const sender = await describeSender(relay);
  if (!(await claimSend(relayId))) {
    // Claimed by an attempt that died mid-send: whether SES took it is unknown, and sending twice is worse.
    return { sent: true, alreadySent: true };
  }
  try {
    const { token } = await issueLinkToken(relay.recipientId, 'relay-report', REPORT_LINK_SECONDS, {
      relayId,
    });
    const reportUrl = new URL('/contact/report', requiredEnv('PUBLIC_API_URL'));
    reportUrl.searchParams.set('token', token);
    const audience = relay.senderKind === 'member' ? 'other members of the network' : 'current students';
    const email = renderEmail({
      subject: `[New Theatre alumni] ${relay.subject ?? `A message from ${sender.name}`}`,
      greeting: `Hello ${recipient.fullName},`,
      paragraphs: [
        `${sender.description} sent you this first email through the New Theatre alumni network:`,
        ...(relay.message ?? '')
          .split(/\n\s*\n/)
          .map((paragraph) => paragraph.trim())
          .filter(Boolean),
        '—',
        `You received this because you agreed that ${audience} may send you a first email through the network. We have not shared your address with the sender.`,
        'If you reply, your reply and your email address go to the sender.',
        `To stop these emails, change your contact preferences on the alumni site: ${requiredEnv('SITE_URL')}`,
      ],
      action: { label: 'Report this email as abuse', url: reportUrl.toString() },
      footnote: 'Reporting it stops this sender from contacting you through the network again.',
    });
    await sendEmail(recipient.email, email, { replyTo: sender.replyTo });
  } catch (error) {
    await releaseClaim(relayId);
    throw error;
  }
  await markSent(relayId);
  return { sent: true };
};

async function describeSender(relay: RelayItem) {
  if (relay.senderKind === 'student') {
    if (!relay.studentEmail || !relay.studentName) {
      throw new WorkflowTaskError(taskErrors.invalidInput, 'The student request has no address');
    }
    return {
      name: relay.studentName,
      description: `${relay.studentName}, a current student,`,
      replyTo: relay.studentEmail,
    };
  }
  const member = relay.senderMemberId ? await getMemberProfile(relay.senderMemberId) : undefined;
  // The sender's own profile, not a later owner of their id (whose address must not become the Reply-To).
  if (member?.status !== 'active' || memberRelayKey(member) !== relay.senderKey)
    throw new WorkflowTaskError(taskErrors.invalidInput, 'The sender is not a member');
  return {
    name: member.fullName,
    description: `${member.fullName} (${member.id}), a member of the network,`,
    replyTo: member.email,
  };
}

async function claimSend(relayId: string): Promise<boolean> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.relay(relayId),
        UpdateExpression: 'SET sendClaimedAt = :now',
        ConditionExpression: 'attribute_not_exists(sendClaimedAt)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    rethrowAwsError(error);
  }
}

async function releaseClaim(relayId: string): Promise<void> {
  await documentClient
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.relay(relayId),
        UpdateExpression: 'REMOVE sendClaimedAt',
      }),
    )
    .catch(() => undefined);
}

async function markSent(relayId: string): Promise<void> {
  try {
    const now = new Date().toISOString();
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.relay(relayId),
        UpdateExpression: 'SET sentAt = :now, updatedAt = :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  } catch (error) {
    rethrowAwsError(error);
  }
}
