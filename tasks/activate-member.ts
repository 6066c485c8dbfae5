/**
 * Registration step 6: the member followed the link. In one transaction, make the profile active (listed,
 * `createdAt` and `emailVerifiedAt` set, the task token and TTL removed) and reserve its address, which pending
 * registrations never hold: the first registration of an address to be verified takes it, and a later one fails
 * here with EmailAlreadyRegistered (and is released). Then claim the submissions made under the registration's
 * anonymous id, but only those that gave this verified address: an anonymous id is public (every view of a
 * submission shows it), so it proves nothing by itself. Both parts are safe to repeat: a retry finds the member
 * already active and claims whatever is still under the anonymous id.
 */
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { DomainError } from '../core/errors.js';
import { MemberIdSchema, type MemberItem } from '../core/members/model.js';
import { memberRepository, type MemberRepository } from '../core/members/repository.js';
import {
  activatedProfile,
  claimableSubmissions,
  isActivatedAt,
  isPendingRegistrationOf,
  noPendingRegistration,
} from '../core/members/rules.js';
import { defineTask } from './define-task.js';

const InputSchema = z.object({
  memberId: MemberIdSchema,
  requestId: z.string().min(1),
  executionName: z.string().min(1),
  anonymousId: z.uuid(),
  verifiedAt: z.iso.datetime(),
});

export const handler = defineTask({
  name: 'activate-member',
  input: InputSchema,
  output: z.object({ activated: z.boolean(), movedSubmissions: z.number().int() }),
  throws: ['EmailAlreadyRegistered'],
  dependencies: { members: memberRepository },
  async run(input, { members, clock }) {
    const member = await activate(members, clock, input);
    const movedSubmissions = await moveAnonymousSubmissions(members, clock, input.anonymousId, member);
    // The details now live in the profile: the request's copy goes.
    await members.deleteRegistrationRequest(input.requestId);
    return { activated: true, movedSubmissions };
  },
});

async function activate(
  members: MemberRepository,
  clock: Clock,
  { memberId, executionName, verifiedAt }: z.output<typeof InputSchema>,
): Promise<MemberItem> {
  for (;;) {
    const pending = await members.getMember(memberId);
    if (isActivatedAt(pending, verifiedAt)) return pending;
    if (!isPendingRegistrationOf(pending, executionName)) throw noPendingRegistration();
    const now = clock.now().toISOString();
    const outcome = await members.activateMember(pending, executionName, verifiedAt, now);
    if (outcome === 'activated') return activatedProfile(pending, verifiedAt, now);
    if (outcome === 'address-taken') {
      throw new DomainError('EmailAlreadyRegistered', 'The email address is already registered');
    }
    if (outcome === 'cancelled') throw new DomainError('RetryableError', 'Activation transaction cancelled');
    // 'profile-changed': read it again (activated by a retry a moment ago, or no longer this registration).
  }
}

/**
 * Re-homes the submissions filed under the anonymous id that gave the member's verified address: their submitter
 * becomes the verified member (the address is dropped with the rest of the anonymous submitter block). Others stay
 * anonymous and are never shown to the member.
 */
async function moveAnonymousSubmissions(
  members: MemberRepository,
  clock: Clock,
  anonymousId: string,
  member: MemberItem,
): Promise<number> {
  let moved = 0;
  for (const submission of claimableSubmissions(await members.submissionsUnder(anonymousId), member)) {
    if (await members.moveSubmissionToMember(submission, anonymousId, member, clock.now().toISOString())) {
      moved += 1;
    }
  }
  return moved;
}
