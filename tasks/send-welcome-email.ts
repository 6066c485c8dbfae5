/**
 * Registration step 6, last part: welcome the new member. The send is claimed first with a conditional write, so a
 * retried or repeated execution never sends a second welcome; a failed send releases the claim for the retry.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { requiredEnv } from '../core/config.js';
import { renderEmail } from '../core/email/render.js';
import { sendEmail } from '../core/email/send.js';
import { rethrowAwsError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ memberId: MemberIdSchema });

export const handler = async (event: unknown) => {
  const { memberId } = parseTaskInput(InputSchema, event);
  const member = await claimWelcome(memberId);
  if (!member) return { sent: false, reason: 'already sent' };
  const email = renderEmail({
    subject: 'Welcome to the New Theatre alumni network',
    greeting: `Hello ${member.fullName},`,
    paragraphs: [
      `Your email address is confirmed and your profile ${memberId} is active.`,
      'You can sign in at any time from the alumni site with a link sent to this address.',
    ],
    action: { label: 'Visit the alumni site', url: requiredEnv('SITE_URL') },
  });
  try {
    const messageId = await sendEmail(member.email, email);
    return { sent: true, messageId };
  } catch (error) {
    await releaseClaim(memberId);
    throw error;
  }
};

async function claimWelcome(memberId: string): Promise<MemberItem | undefined> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression: 'SET welcomeEmailSentAt = :now',
        ConditionExpression: '#status = :active AND attribute_not_exists(welcomeEmailSentAt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':now': new Date().toISOString(), ':active': 'active' },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes as MemberItem;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    rethrowAwsError(error);
  }
}

async function releaseClaim(memberId: string): Promise<void> {
  await documentClient
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression: 'REMOVE welcomeEmailSentAt',
      }),
    )
    .catch(() => undefined);
}
