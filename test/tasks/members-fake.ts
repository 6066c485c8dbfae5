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

  // Plain functions answering with settled promises: the repository's interface is async, the fake has nothing to
  // wait for.
  const repository: MemberRepository = {
    ...notFaked,
    getRegistrationRequest: (requestId) => Promise.resolve(copy(requests.get(requestId))),
    deleteRegistrationRequest: (requestId) => {
      requests.delete(requestId);
      return Promise.resolve();
    },
    getMember: (memberId) => Promise.resolve(copy(profiles.get(memberId))),
    addressHolder: (email) => Promise.resolve(addresses.get(normalizeEmail(email))?.memberId),
    reserveMember: (profile) => {
      const existing = profiles.get(profile.id);
      if (existing) return Promise.resolve({ reserved: false, heldBy: existing.registrationExecution });
      profiles.set(profile.id, copy(profile));
      return Promise.resolve({ reserved: true });
    },
    putConsentEntries: (entries) => {
      for (const entry of entries) consent.set(`${entry.pk}/${entry.sk}`, copy(entry));
      return Promise.resolve();
    },
    deleteConsentEntries: (memberId) => {
      for (const [key, entry] of consent) if (entry.memberId === memberId) consent.delete(key);
      return Promise.resolve();
    },
    claimWelcome: (memberId, at) => {
      const member = profiles.get(memberId);
      if (member?.status !== 'active' || member.welcomeEmailSentAt) return Promise.resolve(undefined);
      member.welcomeEmailSentAt = at;
      return Promise.resolve(copy(member));
    },
    releaseWelcomeClaim: (memberId) => {
      const member = profiles.get(memberId);
      if (member) delete member.welcomeEmailSentAt;
      return Promise.resolve();
    },
    activateMember: (pending, executionName, verifiedAt, now) => {
      const member = profiles.get(pending.id);
      const profileOk = member?.status === 'pending' && member.registrationExecution === executionName;
      const address = addresses.get(normalizeEmail(pending.email));
      const addressOk = !address || address.registrationExecution === executionName;
      if (!profileOk) return Promise.resolve('profile-changed');
      if (!addressOk) return Promise.resolve('address-taken');
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
      return Promise.resolve('activated');
    },
    submissionsUnder: (submitterId) =>
      Promise.resolve(
        [...submissions.values()]
          .filter((submission) => submission.gsi1pk === indexKeys.submitterPartition(submitterId))
          .map(copy),
      ),
    moveSubmissionToMember: (key, anonymousId, member, now) => {
      const submission = submissions.get(key.pk);
      if (submission?.gsi1pk !== indexKeys.submitterPartition(anonymousId)) return Promise.resolve(false);
      submission.gsi1pk = indexKeys.submitterPartition(member.id);
      submission.submitter = { id: member.id, verified: true, name: member.fullName };
      submission.updatedAt = now;
      return Promise.resolve(true);
    },
    deleteIfRegistrationOwns: (key, executionName) => {
      if (key.sk === 'EMAIL') {
        const mailbox = key.pk.slice('EMAIL#'.length);
        const held = addresses.get(mailbox);
        if (!held || held.registrationExecution === executionName) addresses.delete(mailbox);
        return Promise.resolve();
      }
      const memberId = key.pk.slice('MEMBER#'.length);
      const member = profiles.get(memberId);
      if (
        key.sk === keys.member(memberId).sk &&
        (!member || member.registrationExecution === executionName)
      ) {
        profiles.delete(memberId);
      }
      return Promise.resolve();
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
    send(to: string, email: RenderedEmail): Promise<string> {
      if (failure) {
        const error = failure;
        failure = undefined;
        return Promise.reject(error);
      }
      sent.push({ to, email });
      return Promise.resolve(`message-${sent.length}`);
    },
  };
}
