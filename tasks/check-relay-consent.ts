/**
 * Relay: check, at the moment of sending, that the recipient is an active member who consents to first emails
 * from this kind of sender and has not blocked this sender. A consent withdrawn while a student's confirmation
 * waited means no email. Every refusal is the same `NotContactable`: the sender is never told why.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError } from '../core/errors.js';
import { keys } from '../core/keys.js';
import { memberRelayKey, recipientKeyOf } from '../core/relay/model.js';
import { getMemberProfile, getRelay, relayErrors } from '../core/relay/store.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ relayId: z.uuid() });

export const handler = async (event: unknown) => {
  const { relayId } = parseTaskInput(InputSchema, event);
  const relay = await getRelay(relayId);
  const recipient = await getMemberProfile(relay.recipientId);
  const consent = relay.senderKind === 'member' ? 'consentMembers' : 'consentStudents';
  const contactable =
    recipient?.status === 'active' &&
    // Still the profile the request was made to (not a later owner of an erased member's id).
    memberRelayKey(recipient) === recipientKeyOf(relay) &&
    recipient.consent[consent]?.granted === true &&
    relay.senderMemberId !== relay.recipientId &&
    !(await isBlocked(recipientKeyOf(relay), relay.senderKey));
  if (!contactable) {
    throw new WorkflowTaskError(
      relayErrors.notContactable,
      "This member can't be contacted through the network",
    );
  }
  return { contactable: true };
};

async function isBlocked(recipientKey: string, senderKey: string): Promise<boolean> {
  try {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.relayBlock(recipientKey, senderKey),
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  } catch (error) {
    rethrowAwsError(error);
  }
}
