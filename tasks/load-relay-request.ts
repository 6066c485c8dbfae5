/**
 * Relay step 1: the workflow is started with a relay id only (the message and addresses stay out of the execution's
 * input and history); load the request and add the settings the later states need.
 */
import { relaySettings } from '../core/relay/settings.js';
import { RelayRequestSchema } from '../core/relay/model.js';
import { getRelay } from '../core/relay/store.js';
import { WorkflowTaskError, taskErrors } from '../core/errors.js';
import { parseTaskInput } from '../core/task-input.js';

export const handler = async (event: unknown) => {
  const { relayId } = parseTaskInput(RelayRequestSchema, event);
  const relay = await getRelay(relayId);
  if (relay.outcome)
    throw new WorkflowTaskError(taskErrors.invalidInput, 'The relay request has already ended');
  if (!relay.message)
    throw new WorkflowTaskError(taskErrors.invalidInput, 'The relay request has no message');
  return {
    relayId,
    recipientId: relay.recipientId,
    senderKind: relay.senderKind,
    settings: { studentVerificationTimeoutSeconds: relaySettings().studentVerificationTimeoutSeconds },
  };
};
