/**
 * Registration step 1: load the stored request and validate it again (the workflow may be started by anything
 * with the permission), and add the settings the later states need, such as how long to wait for verification.
 * Only ids and settings go back into the execution: the personal details stay in the table.
 */
import { z } from 'zod';
import { RegistrationStartSchema, loadRegistrationRequest } from '../core/members/registration-request.js';
import { memberRepository } from '../core/members/repository.js';
import { verificationTimeoutSeconds } from '../core/members/settings.js';
import { defineTask } from './define-task.js';

export const handler = defineTask({
  name: 'validate-registration',
  input: RegistrationStartSchema,
  output: z.object({
    memberId: z.string(),
    requestId: z.string(),
    anonymousId: z.string(),
    settings: z.object({ verificationTimeoutSeconds: z.number().int().positive() }),
  }),
  dependencies: { members: memberRepository },
  async run(start, { members }) {
    const registration = await loadRegistrationRequest(start, members);
    return {
      memberId: start.memberId,
      requestId: start.requestId,
      anonymousId: registration.anonymousId,
      settings: { verificationTimeoutSeconds: verificationTimeoutSeconds() },
    };
  },
});
