/**
 * What the member API reads and writes directly (everything else goes through a workflow): profile reads, the
 * staff listing, profile updates through the consent ledger, the export and the erasure.
 * Only keys from `core/keys.ts`; no Scan anywhere (every read is a GetItem or a Query on a key or an index).
 */
import { randomUUID } from 'node:crypto';
import { systemClock } from '../clock.js';
import { parseItem, type Item } from '../db.js';
import { DomainError } from '../errors.js';
import { keys, type ItemKey } from '../keys.js';
import { memberRelayKey } from '../relay/model.js';
import { ConsentLedgerEntrySchema, applyConsent, type ConsentLedgerEntry } from './consent.js';
import { memberMessages } from './messages.js';
import { FORMER_MEMBER_PREFIX, type Consent, type MemberItem } from './model.js';
import { memberRepository } from './repository.js';
import { claimableSubmissions } from './rules.js';

/** A concurrent change won the race (optimistic concurrency): the caller should read again and retry (409). */
export class ConcurrentChangeError extends DomainError {
  constructor() {
    super('Conflict', memberMessages.concurrentChange);
  }
}

/** The profile, parsed (`memberRepository.getMember`; kept here for the modules that import it from here). */
export const getMember = memberRepository.getMember;

/** Active members by id, from the `gsi1` entries only active profiles carry. */
export const listActiveMembers = memberRepository.listActiveMembers;

export const consentLedger = memberRepository.consentLedger;

/**
 * The member's submissions: those filed under their id (theirs, or claimed at activation), and those filed under
 * the anonymous id they registered with that gave their (verified) address, such as ones sent anonymously after
 * registering. An anonymous id alone proves nothing (it is shown with every submission): submissions under it from
 * anyone else are not the member's, are never exported to them, and are left alone by their erasure.
 */
async function submissionsOf(member: Pick<MemberItem, 'id' | 'email' | 'anonymousIds'>): Promise<Item[]> {
  const anonymousIds = (member.anonymousIds ?? []).filter((id) => id !== member.id);
  const [own, ...anonymous] = await Promise.all(
    [member.id, ...anonymousIds].map((submitterId) => memberRepository.submissionsUnder(submitterId)),
  );
  return [...(own ?? []), ...claimableSubmissions(anonymous.flat(), member)].filter(
    (item) => item.entity === 'submission',
  );
}

export interface ProfileChanges {
  /** `undefined`: keep the current phone. */
  phone?: string | null;
  consent: Consent;
}

/**
 * Writes the new phone and consent state and only the ledger entries of consents that changed, in one
 * transaction conditioned on the profile's `updatedAt`: a concurrent change makes it fail as a whole.
 */
export async function updateProfile(
  member: MemberItem,
  changes: ProfileChanges,
  now: Date = systemClock.now(),
): Promise<MemberItem> {
  const at = now.toISOString();
  const { state, entries } = applyConsent(member.id, member.consent, changes.consent, at, 'profile-update');
  const phone = changes.phone === undefined ? member.phone : changes.phone;
  const updated: MemberItem = { ...member, phone, consent: state, updatedAt: at };
  if (!(await memberRepository.updateProfile(member, { phone, consent: state, at }, entries))) {
    throw new ConcurrentChangeError();
  }
  return updated;
}

export interface SessionSummary {
  id: string;
  createdAt: string | null;
  validUntil: string | null;
}

/** Sessions as the export shows them: ids and times, never a token or a token hash. */
function sessionSummary(item: Item): SessionSummary {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const expiresAt = typeof item.expiresAt === 'number' ? new Date(item.expiresAt * 1000).toISOString() : null;
  return {
    id: String(item.sk).slice(keys.sessionPrefix.length),
    createdAt: text(item.createdAt),
    validUntil: text(item.validUntil) ?? expiresAt,
  };
}

/** A submission without its table keys. */
function withoutKeys(item: Item): Item {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gsi1pk,
    gsi1sk: _gsi1sk,
    gsi2pk: _gsi2pk,
    gsi2sk: _gsi2sk,
    ...rest
  } = item;
  return rest;
}

export interface MemberExport {
  member: MemberItem;
  consentLedger: ConsentLedgerEntry[];
  sessions: SessionSummary[];
  submissions: Item[];
}

export async function exportMember(member: MemberItem): Promise<MemberExport> {
  const [partition, submissions] = await Promise.all([
    memberRepository.memberPartition(member.id),
    submissionsOf(member),
  ]);
  return {
    member,
    consentLedger: partition
      .filter((item) => item.sk.startsWith(keys.consentPrefix))
      .map((item) => parseItem(ConsentLedgerEntrySchema, item, { pk: item.pk, sk: item.sk })),
    sessions: partition.filter((item) => String(item.sk).startsWith(keys.sessionPrefix)).map(sessionSummary),
    submissions: submissions.map(withoutKeys),
  };
}

export const FORMER_MEMBER_NAME = 'Former member';

/**
 * Erases a member. Safe to repeat: each step is idempotent and the profile (which authenticates the caller) and
 * the session in use go last, in one transaction with the audit entry, so a retry after a partial failure can
 * still authenticate and finish the job, and the audit entry is written once.
 * Returns false when the member was already erased.
 */
export async function eraseMember(
  memberId: string,
  currentSessionId?: string,
  now: Date = systemClock.now(),
): Promise<boolean> {
  const profile = await memberRepository.getMember(memberId);
  if (!profile) return false;

  // 1. Personal fields of their submissions (which stay, attributed to a former member), with the email removed
  // and the member id replaced by a pseudonym, so that whoever registers the freed id later does not inherit them.
  const submissions = await submissionsOf(profile);
  const pseudonym = `${FORMER_MEMBER_PREFIX}${randomUUID()}`;
  for (const submission of submissions) {
    await memberRepository.anonymizeSubmission(
      { pk: String(submission.pk), sk: String(submission.sk) },
      pseudonym,
      FORMER_MEMBER_NAME,
      now.toISOString(),
    );
  }

  // 2. Their relay records: the pair records of first emails they sent and the blocks they made (keyed by their
  // profile's uid, so nothing would pass to a later owner of the id anyway; this removes them rather than orphan
  // them). Records that name them on the other side (pairs of first emails they received, blocks of them) stay,
  // keyed by a uid no profile has any more: the other member's protection, about nobody identifiable.
  const relayKey = memberRelayKey(profile);
  const relayItems = await Promise.all(
    [keys.pairLimit(relayKey, '').pk, keys.relayBlock(relayKey, '').pk].map((pk) =>
      memberRepository.keysInPartition(pk),
    ),
  );
  await memberRepository.deleteKeys(relayItems.flat());

  // 3. Consent ledger, other sessions and anything else in the partition, except the profile and this session.
  const currentSessionKey = currentSessionId ? keys.session(memberId, currentSessionId) : undefined;
  const partition = await memberRepository.memberPartition(memberId);
  await memberRepository.deleteKeys(
    partition
      .map((item) => ({ pk: item.pk, sk: item.sk }))
      .filter((key) => key.sk !== keys.member(memberId).sk && key.sk !== currentSessionKey?.sk),
  );

  // 4. The profile, its email reservation, this session and the audit entry, together.
  let emailKey: ItemKey | undefined = keys.memberEmail(profile.email);
  for (let attempt = 1; ; attempt += 1) {
    const at = (attempt === 1 ? now : systemClock.now()).toISOString();
    // Only that an erasure happened and when: no member id, no personal data.
    const audit = {
      ...keys.audit(at, randomUUID()),
      entity: 'audit',
      action: 'member-erased',
      at,
      createdAt: at,
    };
    const outcome = await memberRepository.removeProfile(memberId, emailKey, currentSessionKey, audit);
    if (outcome === 'erased') return true;
    if (outcome === 'already-erased') return false;
    // The address is another member's reservation (it should not happen): erase without touching it.
    if (outcome === 'email-held-by-another') emailKey = undefined;
    // A concurrent transaction on the same items (a raced erase, say): try again, briefly.
    else if (attempt >= 4) throw new Error('Erasing the member kept conflicting with other writes');
    else await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
  }
}
