/**
 * Registration step 2: reserve the member id and the email address in one transaction (a pending profile and an
 * email-uniqueness item), so neither can be taken twice. A retry of this same execution finds its own reservation
 * and succeeds; anyone else's gets MemberAlreadyExists or EmailAlreadyRegistered.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
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
  const emailItem = {
    ...keys.memberEmail(registration.email),
    entity: 'member-email',
    memberId,
    registrationExecution: executionName,
    createdAt: startedAt,
    updatedAt: startedAt,
  };
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: profile,
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: tableName(),
              Item: emailItem,
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException) explainConflict(error, executionName);
    rethrowAwsError(error);
  }
  return { reserved: true };
};

/** Returns when the conflict is this execution's own earlier write (a retry); throws the domain error otherwise. */
function explainConflict(error: TransactionCanceledException, executionName: string): void {
  const [profileReason, emailReason] = error.CancellationReasons ?? [];
  const ownedByUs = (reason: typeof profileReason) =>
    reason?.Code !== 'ConditionalCheckFailed' || reason.Item?.registrationExecution?.S === executionName;
  if (profileReason?.Code === 'ConditionalCheckFailed' && !ownedByUs(profileReason)) {
    throw new WorkflowTaskError(taskErrors.memberAlreadyExists, 'Member already exists');
  }
  if (emailReason?.Code === 'ConditionalCheckFailed' && !ownedByUs(emailReason)) {
    throw new WorkflowTaskError(taskErrors.emailAlreadyRegistered, 'The email address is already registered');
  }
  const bothOurs =
    profileReason?.Code === 'ConditionalCheckFailed' && emailReason?.Code === 'ConditionalCheckFailed';
  if (bothOurs) return;
  // Cancelled for another reason (a conflicting transaction, throttling): safe to retry.
  throw new WorkflowTaskError(taskErrors.retryable, 'Reservation transaction cancelled');
}
