/**
 * Staff sign-in (statemachines/staff-sign-in.asl.json): look up the address of a `POST /staff/login` request and,
 * for an active staff user within their sign-in allowance, email a sign-in link. Returns only whether one was sent.
 */
import { z } from 'zod';
import { rethrowAwsError } from '../core/errors.js';
import { sendStaffSignInLink } from '../core/staff/sign-in.js';
import { parseTaskInput } from '../core/task-input.js';

const InputSchema = z.object({ requestId: z.uuid() });

export const handler = async (event: unknown) => {
  const { requestId } = parseTaskInput(InputSchema, event);
  try {
    return await sendStaffSignInLink(requestId);
  } catch (error) {
    rethrowAwsError(error);
  }
};
