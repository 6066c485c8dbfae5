/**
 * Registration step 1: load the stored request and validate it again (the workflow may be started by anything
 * with the permission), and add the settings the later states need, such as how long to wait for verification.
 * Only ids and settings go back into the execution: the personal details stay in the table.
 */
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { verificationTimeoutSeconds } from '../core/members/settings.js';
import { parseTaskInput } from '../core/task-input.js';

export const handler = async (event: unknown) => {
  const start = parseTaskInput(RegistrationStartSchema, event);
  const registration = await loadRegistrationRequest(start);
  return {
    memberId: start.memberId,
    requestId: start.requestId,
    anonymousId: registration.anonymousId,
    settings: { verificationTimeoutSeconds: verificationTimeoutSeconds() },
  };
};
