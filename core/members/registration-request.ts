/**
 * A registration's personal details (name, address, year, consent) are stored here, not in the workflow's input:
 * Step Functions keeps an execution's input and history for 90 days, where an erasure could not reach them. The
 * workflow is started with `{memberId, requestId}` only and its tasks read the details from this item, which is
 * deleted when the registration ends (and expires by TTL should that never happen).
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../errors.js';
import { epochSeconds, keys } from '../keys.js';
import { RegistrableMemberIdSchema, RegistrationSchema, type Registration } from './model.js';
import { verificationTimeoutSeconds } from './settings.js';

/** The registration workflow's input. */
export const RegistrationStartSchema = z.object({
  memberId: RegistrableMemberIdSchema,
  requestId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
});
export type RegistrationStart = z.infer<typeof RegistrationStartSchema>;

interface RegistrationRequestItem {
  pk: string;
  sk: string;
  entity: 'registration-request';
  memberId: string;
  registration: Registration;
  createdAt: string;
  expiresAt: number;
}

/** Stores the request under `requestId` (the execution name: a repeated request writes the same item). */
export async function storeRegistrationRequest(
  requestId: string,
  memberId: string,
  registration: Registration,
) {
  const now = new Date();
  const item: RegistrationRequestItem = {
    ...keys.registrationRequest(requestId),
    entity: 'registration-request',
    memberId,
    registration,
    createdAt: now.toISOString(),
    expiresAt: epochSeconds(now) + verificationTimeoutSeconds() + 2 * 24 * 3600,
  };
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: item }));
}

/** For tasks: the validated request; missing or invalid is bad input for the workflow (never retried). */
export async function loadRegistrationRequest(start: RegistrationStart): Promise<Registration> {
  let item: RegistrationRequestItem | undefined;
  try {
    const result = await documentClient.send(
      new GetCommand({
        TableName: tableName(),
        Key: keys.registrationRequest(start.requestId),
        ConsistentRead: true,
      }),
    );
    item = result.Item as RegistrationRequestItem | undefined;
  } catch (error) {
    rethrowAwsError(error);
  }
  if (!item || item.memberId !== start.memberId) {
    throw new WorkflowTaskError(taskErrors.invalidInput, 'No registration request for this member');
  }
  const parsed = RegistrationSchema.safeParse(item.registration);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => `registration.${issue.path.join('.')}`))];
    throw new WorkflowTaskError(taskErrors.invalidInput, `Invalid task input: ${fields.join(', ')}`);
  }
  return parsed.data;
}

/** The registration has ended (activated, expired or released): its personal details are no longer needed. */
export async function deleteRegistrationRequest(requestId: string): Promise<void> {
  try {
    await documentClient.send(
      new DeleteCommand({ TableName: tableName(), Key: keys.registrationRequest(requestId) }),
    );
  } catch (error) {
    rethrowAwsError(error);
  }
}
