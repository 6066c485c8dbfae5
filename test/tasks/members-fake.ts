/**
 * An in-memory stand-in for `memberRepository` (same shape), for the fast task tests: no emulator. Only what the
 * registration tasks use is implemented; anything else throws, so a task that starts using more fails loudly.
 */
import type { ConsentLedgerEntry } from '../../core/members/consent.js';
import type { MemberItem } from '../../core/members/model.js';
import {
  memberRepository,
  type MemberRepository,
  type RegistrationRequestItem,
} from '../../core/members/repository.js';
import { keys, normalizeEmail, indexKeys } from '../../core/keys.js';
import type { RenderedEmail } from '../../core/email/render.js';

type Submission = Record<string, unknown> & { pk: string; sk: string; gsi1pk: string };

export interface FakeMembers {
  repository: MemberRepository;
  profiles: Map<string, MemberItem>;
  requests: Map<string, RegistrationRequestItem>;
  /** Address reservations by mailbox. */
  addresses: Map<string, { memberId: string; registrationExecution?: string }>;
  consent: Map<string, ConsentLedgerEntry>;
  submissions: Map<string, Submission>;
}

const copy = <T>(value: T): T => structuredClone(value);

export function fakeMembers(): FakeMembers {
  const profiles = new Map<string, MemberItem>();
  const requests = new Map<string, RegistrationRequestItem>();
  const addresses = new Map<string, { memberId: string; registrationExecution?: string }>();
  const consent = new Map<string, ConsentLedgerEntry>();
  const submissions = new Map<string, Submission>();

  const notFaked = Object.fromEntries(
    Object.keys(memberRepository).map((name) => [
      name,
      () => Promise.reject(new Error(`${name} is not faked`)),
    ]),
  ) as unknown as MemberRepository;

  const repository: MemberRepository = {
    ...notFaked,
    getRegistrationRequest: async (requestId) => copy(requests.get(requestId)),
    deleteRegistrationRequest: async (requestId) => {
      requests.delete(requestId);
    },
    getMember: async (memberId) => copy(profiles.get(memberId)),
    addressHolder: async (email) => addresses.get(normalizeEmail(email))?.memberId,
    reserveMember: async (profile) => {
      const existing = profiles.get(profile.id);
      if (existing) return { reserved: false, heldBy: existing.registrationExecution };
      profiles.set(profile.id, copy(profile));
      return { reserved: true };
    },
    putConsentEntries: async (entries) => {
      for (const entry of entries) consent.set(`${entry.pk}/${entry.sk}`, copy(entry));
    },
    deleteConsentEntries: async (memberId) => {
      for (const [key, entry] of consent) if (entry.memberId === memberId) consent.delete(key);
    },
    claimWelcome: async (memberId, at) => {
      const member = profiles.get(memberId);
      if (member?.status !== 'active' || member.welcomeEmailSentAt) return undefined;
      member.welcomeEmailSentAt = at;
      return copy(member);
    },
    releaseWelcomeClaim: async (memberId) => {
      const member = profiles.get(memberId);
      if (member) delete member.welcomeEmailSentAt;
    },
    activateMember: async (pending, executionName, verifiedAt, now) => {
      const member = profiles.get(pending.id);
      const profileOk = member?.status === 'pending' && member.registrationExecution === executionName;
      const address = addresses.get(normalizeEmail(pending.email));
      const addressOk = !address || address.registrationExecution === executionName;
      if (!profileOk) return 'profile-changed';
      if (!addressOk) return 'address-taken';
      const {
        verificationTaskToken: _token,
        expiresAt: _expiresAt,
        registrationExecution: _execution,
        verificationValidUntil: _validUntil,
        ...rest
      } = member;
      profiles.set(pending.id, {
        ...rest,
        status: 'active',
        createdAt: verifiedAt,
        emailVerifiedAt: verifiedAt,
        updatedAt: now,
        ...indexKeys.activeMember(pending.id),
      });
      addresses.set(normalizeEmail(pending.email), {
        memberId: pending.id,
        registrationExecution: executionName,
      });
      return 'activated';
    },
    submissionsUnder: async (submitterId) =>
      [...submissions.values()]
        .filter((submission) => submission.gsi1pk === indexKeys.submitterPartition(submitterId))
        .map(copy),
    moveSubmissionToMember: async (key, anonymousId, member, now) => {
      const submission = submissions.get(key.pk);
      if (submission?.gsi1pk !== indexKeys.submitterPartition(anonymousId)) return false;
      submission.gsi1pk = indexKeys.submitterPartition(member.id);
      submission.submitter = { id: member.id, verified: true, name: member.fullName };
      submission.updatedAt = now;
      return true;
    },
    deleteIfRegistrationOwns: async (key, executionName) => {
      if (key.sk === 'EMAIL') {
        const mailbox = key.pk.slice('EMAIL#'.length);
        const held = addresses.get(mailbox);
        if (!held || held.registrationExecution === executionName) addresses.delete(mailbox);
        return;
      }
      const memberId = key.pk.slice('MEMBER#'.length);
      const member = profiles.get(memberId);
      if (
        key.sk === keys.member(memberId).sk &&
        (!member || member.registrationExecution === executionName)
      ) {
        profiles.delete(memberId);
      }
    },
  };
  return { repository, profiles, requests, addresses, consent, submissions };
}

/** A mailer that keeps what it sends; `failNext(error)` makes the next send fail. */
export function fakeMailer() {
  const sent: { to: string; email: RenderedEmail }[] = [];
  let failure: Error | undefined;
  return {
    sent,
    failNext(error: Error) {
      failure = error;
    },
    async send(to: string, email: RenderedEmail) {
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      sent.push({ to, email });
      return `message-${sent.length}`;
    },
  };
}
