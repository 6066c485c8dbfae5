/**
 * Registration step 1: validate the request again (the workflow may be started by anything with the permission)
 * and add the settings the later states need, such as how long to wait for verification.
 */
import { RegistrationRequestSchema } from '../core/members/model.js';
import { verificationTimeoutSeconds } from '../core/members/settings.js';
import { parseTaskInput } from '../core/task-input.js';

export const handler = async (event: unknown) => {
  const request = parseTaskInput(RegistrationRequestSchema, event);
  return {
    memberId: request.memberId,
    registration: { ...request.registration, email: request.registration.email.trim() },
    settings: { verificationTimeoutSeconds: verificationTimeoutSeconds() },
  };
};
