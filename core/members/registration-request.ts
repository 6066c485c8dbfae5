/**
 * A registration's personal details (name, address, year, consent) are stored here, not in the workflow's input:
 * Step Functions keeps an execution's input and history for 90 days, where an erasure could not reach them. The
 * workflow is started with `{memberId, requestId}` only and its tasks read the details from this item, which is
 * deleted when the registration ends (and expires by TTL should that never happen).
 */
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { DomainError } from '../errors.js';
import { keys } from '../keys.js';
import { RegistrableMemberIdSchema, RegistrationSchema, type Registration } from './model.js';
import { memberRepository, type MemberRepository } from './repository.js';
import { registrationRequestExpiresAt } from './rules.js';
import { verificationTimeoutSeconds } from './settings.js';

/** The registration workflow's input. */
export const RegistrationStartSchema = z.object({
  memberId: RegistrableMemberIdSchema,
  requestId: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
});
export type RegistrationStart = z.infer<typeof RegistrationStartSchema>;

/** Stores the request under `requestId` (the execution name: a repeated request writes the same item). */
export async function storeRegistrationRequest(
  requestId: string,
  memberId: string,
  registration: Registration,
  now: Date = systemClock.now(),
  repository: Pick<MemberRepository, 'putRegistrationRequest'> = memberRepository,
): Promise<void> {
  await repository.putRegistrationRequest({
    ...keys.registrationRequest(requestId),
    entity: 'registration-request',
    memberId,
    registration,
    createdAt: now.toISOString(),
    expiresAt: registrationRequestExpiresAt(now, verificationTimeoutSeconds()),
  });
}

/** For tasks: the validated request; missing or invalid is bad input for the workflow (never retried). */
export async function loadRegistrationRequest(
  start: RegistrationStart,
  repository: Pick<MemberRepository, 'getRegistrationRequest'> = memberRepository,
): Promise<Registration> {
  const item = await repository.getRegistrationRequest(start.requestId);
  if (!item || item.memberId !== start.memberId) {
    throw new DomainError('InvalidInput', 'No registration request for this member');
  }
  const parsed = RegistrationSchema.safeParse(item.registration);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => `registration.${issue.path.join('.')}`))];
    throw new DomainError('InvalidInput', `Invalid task input: ${fields.join(', ')}`);
  }
  return parsed.data;
}

/** The registration has ended (activated, expired or released): its personal details are no longer needed. */
export async function deleteRegistrationRequest(
  requestId: string,
  repository: Pick<MemberRepository, 'deleteRegistrationRequest'> = memberRepository,
): Promise<void> {
  await repository.deleteRegistrationRequest(requestId);
}
