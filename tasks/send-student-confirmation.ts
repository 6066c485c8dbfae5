/**
 * Relay, students only: store the workflow's task token with the request and email the student a link that proves
 * the address is theirs. Invoked by a `.waitForTaskToken` state: the workflow waits until the link is followed
 * (the API answers the token) or the wait times out. The token and the link are credentials: never logged.
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
import type { RelayItem } from '../core/relay/model.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({
  relayId: z.uuid(),
  taskToken: z.string().min(1).max(2048),
  validForSeconds: z.number().int().positive(),
});

export const handler = async (event: unknown) => {
  const { relayId, taskToken, validForSeconds } = parseTaskInput(InputSchema, event);
  const relay = await storeTaskToken(relayId, taskToken);
  if (!relay.studentEmail || !relay.studentName) {
    throw new WorkflowTaskError(taskErrors.invalidInput, 'The student request has no address');
  }
  const { token } = await issueLinkToken(relay.recipientId, 'student-contact', validForSeconds, { relayId });
  const url = new URL('/contact/confirm', requiredEnv('PUBLIC_API_URL'));
  url.searchParams.set('token', token);
  const hours = Math.max(1, Math.round(validForSeconds / 3600));
  const email = renderEmail({
    subject: 'Confirm your message to a New Theatre alumnus',
    // No name: the address is not confirmed yet, and whoever asked typed the name (the relayed email carries it).
    greeting: 'Hello,',
    paragraphs: [
      `You asked to send a first email to the alumni network member ${relay.recipientId}.`,
      'Please confirm that this is your student address. We send your message only if the member has agreed to be contacted by current students.',
      'If you did not ask for this, ignore this email: nothing will be sent.',
    ],
    action: { label: 'Confirm and send my message', url: url.toString() },
    footnote: `The link works once, for ${hours} hours.`,
  });
  await sendEmail(relay.studentEmail, email);
  return { sent: true };
};

async function storeTaskToken(relayId: string, taskToken: string): Promise<RelayItem> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.relay(relayId),
        UpdateExpression: 'SET verificationTaskToken = :token, updatedAt = :now',
        ConditionExpression: 'senderKind = :student AND attribute_not_exists(outcome)',
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':now': new Date().toISOString(),
          ':student': 'student',
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return result.Attributes as RelayItem;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new WorkflowTaskError(taskErrors.invalidInput, 'No open student request with this id');
    }
    rethrowAwsError(error);
  }
}
