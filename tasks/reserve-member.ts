/**
 * Registration step 2: reserve the member id (a pending profile, written once with a conditional write). A retry
 * of this same execution finds its own reservation and succeeds; anyone else's gets MemberAlreadyExists.
 *
 * The address is not reserved here but when the registration is verified (`activate-member.ts`): a registration
 * nobody verifies must not keep the address's owner from registering (audit finding 11), and a registration naming
 * a registered address must look, from the outside, exactly like one naming a free address (finding 7).
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { epochSeconds, keys } from '../core/keys.js';
import { applyConsent } from '../core/members/consent.js';
import type { MemberItem } from '../core/members/model.js';
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = RegistrationStartSchema.extend({
  executionName: z.string().min(1),
  startedAt: z.iso.datetime(),
  pendingForSeconds: z.number().int().positive(),
});

/** The pending item outlives the workflow's own wait by a day: the TTL only cleans up if the workflow never did. */
const TTL_MARGIN_SECONDS = 24 * 3600;

export const handler = async (event: unknown) => {
  const input = parseTaskInput(InputSchema, event);
  const { memberId, executionName, startedAt } = input;
  const registration = await loadRegistrationRequest(input);
  const profile: MemberItem = {
    ...keys.member(memberId),
    entity: 'member',
    id: memberId,
    uid: randomUUID(),
    status: 'pending',
    fullName: registration.fullName,
    email: registration.email,
    phone: null,
    yearOfGraduation: registration.yearOfGraduation,
    consent: applyConsent(memberId, undefined, registration.consent, startedAt, 'registration').state,
    anonymousIds: [registration.anonymousId],
    registeredAt: startedAt,
    createdAt: startedAt,
    updatedAt: startedAt,
    emailVerifiedAt: null,
    registrationExecution: executionName,
    expiresAt: epochSeconds(new Date(startedAt)) + input.pendingForSeconds + TTL_MARGIN_SECONDS,
  };
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: profile,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      // A retry of this execution after its write succeeded: the reservation is ours.
      if (error.Item?.registrationExecution?.S === executionName) return { reserved: true };
      throw new WorkflowTaskError(taskErrors.memberAlreadyExists, 'Member already exists');
    }
    rethrowAwsError(error);
  }
  return { reserved: true };
};
