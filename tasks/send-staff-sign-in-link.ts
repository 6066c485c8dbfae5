/**
 * Staff sign-in (statemachines/staff-sign-in.asl.json): look up the address of a `POST /staff/login` request and,
 * for an active staff user within their sign-in allowance, email a sign-in link. Returns only whether one was sent.
 */
import { z } from 'zod';
import { issueLinkToken } from '../core/links.js';
import { returnSignInEmail, takeSignInEmail } from '../core/sign-in-limit.js';
import { staffRepository, type StaffRepository } from '../core/staff/repository.js';
import { sendStaffSignInLink } from '../core/staff/sign-in.js';
import { defineTask } from './define-task.js';

/** The repository methods this task uses (a fast test hands in an in-memory one). */
const repository: Pick<StaffRepository, 'getSignInRequest' | 'deleteSignInRequest' | 'findStaffByEmail'> =
  staffRepository;

export const handler = defineTask({
  name: 'send-staff-sign-in-link',
  input: z.object({ requestId: z.uuid() }),
  output: z.object({ sent: z.boolean() }),
  dependencies: {
    staff: repository,
    allowance: { take: takeSignInEmail, giveBack: returnSignInEmail },
    links: { issue: issueLinkToken },
  },
  run: ({ requestId }, context) => sendStaffSignInLink(requestId, context),
});
