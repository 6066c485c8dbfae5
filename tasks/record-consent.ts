/**
 * Registration step 3: record the consent choices in the ledger, one entry per consent, timed at the start of the
 * execution. The keys are deterministic, so a retry rewrites the same entries instead of adding more.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../core/aws-clients.js';
import { WorkflowTaskError, rethrowAwsError, taskErrors } from '../core/errors.js';
import { applyConsent } from '../core/members/consent.js';
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = RegistrationStartSchema.extend({ at: z.iso.datetime() });

export const handler = async (event: unknown) => {
  const input = parseTaskInput(InputSchema, event);
  const { memberId, at } = input;
  const { consent } = await loadRegistrationRequest(input);
  const { entries } = applyConsent(memberId, undefined, consent, at, 'registration');
  try {
    const result = await documentClient.send(
      new BatchWriteCommand({
        RequestItems: { [tableName()]: entries.map((entry) => ({ PutRequest: { Item: entry } })) },
      }),
    );
    const unprocessed = Object.values(result.UnprocessedItems ?? {}).flat().length;
    // Unprocessed items mean throttling: let the workflow retry the whole (idempotent) step.
    if (unprocessed > 0)
      throw new WorkflowTaskError(taskErrors.retryable, `${unprocessed} consent entries unprocessed`);
  } catch (error) {
    rethrowAwsError(error);
  }
  return { entries: entries.length };
};
