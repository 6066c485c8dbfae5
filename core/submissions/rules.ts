/**
 * The submission review's decisions, as pure functions of the items and a time (no I/O, no clock of their own):
 * whether a stored submission may be reviewed, what final status settling calls for, whose claim holds, why a
 * decision or a claim was refused, who may withdraw what, who sees which submissions, who hears of a round.
 * The repository keeps the same rules in its conditional writes (so concurrent requests cannot both win); these
 * functions explain the outcome and are what the fast tests pin down (`test/rules/submissions.test.ts`).
 */
import { epochSeconds } from '../keys.js';
import type { Scope } from '../staff/model.js';
import { canReadSubmissions } from '../staff/rules.js';
import {
  FINAL_STATUSES,
  outcomeStatus,
  submissionSchemas,
  type Decision,
  type ReviewItem,
  type ReviewOutcome,
  type SubmissionItem,
  type SubmissionStatus,
} from './model.js';

/** A submission whose workflow never started is removed (by TTL) after a day. */
export const RECEIVED_TTL_SECONDS = 24 * 3600;

const iso = (at: Date) => at.toISOString();

// ------------------------------------------------------------------------------------------------ taking it up

/**
 * Why a stored submission cannot be reviewed: the fields that no longer pass the API's schema for its type, and
 * `site` when its site is not configured. Empty when it can. Anything holding the permission can start a workflow,
 * so the workflow checks again what the API checked.
 */
export function storedSubmissionProblems(submission: SubmissionItem, sites: readonly string[]): string[] {
  const schema = submissionSchemas[submission.type] as
    (typeof submissionSchemas)[keyof typeof submissionSchemas] | undefined;
  const fields = {
    targetType: submission.targetType,
    targetId: submission.targetId,
    targetName: submission.targetName,
    targetUrl: submission.targetUrl,
    subject: submission.subject,
    message: submission.message,
    ...(submission.show ? { show: submission.show } : {}),
    ...(submission.bio ? { bio: submission.bio } : {}),
  };
  const problems: string[] = [];
  if (!schema) problems.push('type');
  else {
    const result = schema.safeParse(fields);
    if (!result.success) problems.push(...result.error.issues.map((issue) => issue.path.join('.')));
  }
  if (!sites.includes(submission.site)) problems.push('site');
  return [...new Set(problems)];
}

/** When a `received` submission goes away by itself (epoch seconds, the table's TTL). */
export function receivedExpiresAt(now: Date): number {
  return epochSeconds(now) + RECEIVED_TTL_SECONDS;
}

// ------------------------------------------------------------------------------------------------ settling

/** The final status a review's outcome calls for; no outcome (the last round ran out, or a failure) expires it. */
export function finalStatusFor(review: Pick<ReviewItem, 'outcome'>): SubmissionStatus {
  return review.outcome ? outcomeStatus[review.outcome] : 'expired';
}

export type Settlement =
  /** Nothing to change: the submission is final already (normally with the status the outcome calls for). */
  | { change: false; status: SubmissionStatus }
  /**
   * Move the pending submission to `status` with `decided` (decidedAt, and decidedBy and reason from the outcome);
   * `recordExpiry` when no outcome is recorded yet, so `expire` is recorded with it.
   */
  | { change: true; status: SubmissionStatus; decided: Record<string, string>; recordExpiry: boolean };

/**
 * What settling a submission does, given its review, at `now`. Safe to repeat: once final, nothing changes. A final
 * status other than the outcome's cannot happen (both move together): then what is stored is reported.
 */
export function settlement(submission: SubmissionItem, review: ReviewItem, now: Date): Settlement {
  const target = finalStatusFor(review);
  if (submission.status === target) return { change: false, status: target };
  if (submission.status !== 'pending') return { change: false, status: submission.status };
  if (!review.outcome)
    return { change: true, status: target, decided: { decidedAt: iso(now) }, recordExpiry: true };
  return {
    change: true,
    status: target,
    decided: {
      decidedAt: review.decidedAt ?? iso(now),
      // A withdrawal is decided by `submitter`, which is nobody's staff id: the submission does not name it.
      ...(review.decidedBy && review.outcome !== 'withdraw' ? { decidedBy: review.decidedBy } : {}),
      ...(review.reason ? { reason: review.reason } : {}),
    },
    recordExpiry: false,
  };
}

export function isFinal(status: SubmissionStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/**
 * Where the submitter hears the outcome: a member's address while their membership is active (`member` is their
 * profile, read by the caller), or the address an anonymous visitor gave; otherwise nowhere.
 */
export function outcomeAddress(
  submission: Pick<SubmissionItem, 'submitter'>,
  member: { status: string; email: string } | undefined,
): string | undefined {
  if (submission.submitter.verified) return member?.status === 'active' ? member.email : undefined;
  return submission.submitter.email;
}

/** The submitter is told approvals and rejections; an expiry or a withdrawal is not news to tell. */
export function hasOutcomeToTell(submission: Pick<SubmissionItem, 'status'>): boolean {
  return submission.status === 'approved' || submission.status === 'rejected';
}

// ------------------------------------------------------------------------------------------------ claims

/** Until when a claim made at `now` for `seconds` keeps other moderators from deciding. */
export function claimExpiry(now: Date, seconds: number): string {
  return iso(new Date(now.getTime() + seconds * 1000));
}

/** Whether someone other than `staffId` holds a claim that has not run out at `now`. */
export function claimedByAnother(
  review: Pick<ReviewItem, 'claimedBy' | 'claimedUntil'>,
  staffId: string,
  now: Date,
): boolean {
  return (
    review.claimedBy !== undefined && review.claimedBy !== staffId && (review.claimedUntil ?? '') >= iso(now)
  );
}

export type ClaimRefusal = 'not-found' | 'claimed' | 'decided';

/** Why `staffId` may not claim the review at `now`; undefined when they may (renewing one's own claim is fine). */
export function claimRefusal(
  review: ReviewItem | undefined,
  staffId: string,
  now: Date,
): ClaimRefusal | undefined {
  if (!review) return 'not-found';
  if (review.outcome) return 'decided';
  return claimedByAnother(review, staffId, now) ? 'claimed' : undefined;
}

// ------------------------------------------------------------------------------------------------ decisions

export type DecisionRefusal = 'not-found' | 'not-pending' | 'claimed' | ReviewOutcome;

/**
 * How a decision that could not be recorded is answered, from the review as it is now: the same moderator sending
 * the same decision again is a repeat (a retried request, answered as the first); anything else is refused, by the
 * outcome already recorded, by another's live claim, or because the submission is not pending.
 */
export function decisionRefusal(
  review: ReviewItem | undefined,
  decision: { decision: Decision; staffId: string },
  now: Date,
): { repeated: true } | { repeated: false; refusal: DecisionRefusal } {
  if (!review) return { repeated: false, refusal: 'not-found' };
  if (review.outcome) {
    return review.outcome === decision.decision && review.decidedBy === decision.staffId
      ? { repeated: true }
      : { repeated: false, refusal: review.outcome };
  }
  if (claimedByAnother(review, decision.staffId, now)) return { repeated: false, refusal: 'claimed' };
  return { repeated: false, refusal: 'not-pending' };
}

// ------------------------------------------------------------------------------------------------ withdrawal

export type WithdrawalRefusal = 'not-found' | 'not-yours' | 'not-pending';

/**
 * Why member `memberId` may not withdraw the submission: it does not exist (or was never taken up), it is not
 * theirs (only a signed-in member's own submissions can be withdrawn), or it is no longer pending.
 */
export function withdrawalRefusal(
  submission: SubmissionItem | undefined,
  memberId: string,
): WithdrawalRefusal | undefined {
  if (!submission || submission.status === 'received') return 'not-found';
  if (!submission.submitter.verified || submission.submitter.id !== memberId) return 'not-yours';
  return isWithdrawable(submission) ? undefined : 'not-pending';
}

/** Only a pending submission can be withdrawn. */
export function isWithdrawable(submission: Pick<SubmissionItem, 'status'>): boolean {
  return submission.status === 'pending';
}

// ------------------------------------------------------------------------------------------------ visibility

/**
 * Which of a submitter's submissions a caller sees: all (but `received`), approved ones only, or approved ones plus
 * everything of some sites (a site's staff).
 */
export type Visibility = { all: true } | { approvedOnlyExcept: readonly string[] };

export const ALL: Visibility = { all: true };
export const APPROVED_ONLY: Visibility = { approvedOnlyExcept: [] };

/**
 * What a caller sees of `submitterId`'s submissions: everything for the member themself and network staff; for a
 * site's staff that site's submissions and other sites' approved ones; for anyone else approved ones only.
 */
export function visibilityFor(
  viewer: { memberId?: string | undefined; staffScopes?: readonly Scope[] | undefined },
  submitterId: string,
  sites: readonly string[],
): Visibility {
  if (viewer.memberId === submitterId) return ALL;
  const scopes = viewer.staffScopes;
  if (!scopes) return APPROVED_ONLY;
  if (scopes.includes('network:read') || scopes.includes('network:admin')) return ALL;
  return { approvedOnlyExcept: sites.filter((site) => canReadSubmissions(scopes, site)) };
}

/** Whether `visibility` covers the submission in full (its text); elsewhere it is shown approved-only, publicly. */
export function seesInFull(visibility: Visibility, submission: Pick<SubmissionItem, 'site'>): boolean {
  return 'all' in visibility || visibility.approvedOnlyExcept.includes(submission.site);
}

// ------------------------------------------------------------------------------------------------ review rounds

export type RecipientRole = 'moderator' | 'site-admin' | 'network-admin';

export interface Recipient<Staff = { id: string; status: string }> {
  staff: Staff;
  role: RecipientRole;
}

/**
 * Who hears of round `round` of a submission to `site`, from the staff users and their scopes (in the order given:
 * the staff listing's address order), each under the first role of theirs that applies. Round 0 tells the site's
 * moderators. Each later round reminds them and escalates to the site's admins and the network admins. A site
 * without moderators escalates at once: nobody would ever hear of the submission otherwise. Invited (not yet
 * active) staff hear nothing.
 */
export function roundRecipients<Staff extends { id: string; status: string }>(
  staff: readonly { staff: Staff; scopes: readonly string[] }[],
  site: string,
  round: number,
): Recipient<Staff>[] {
  const moderators = { scope: `site:${site}:moderate`, role: 'moderator' as const };
  const escalation = [
    { scope: `site:${site}:admin`, role: 'site-admin' as const },
    { scope: 'network:admin', role: 'network-admin' as const },
  ];
  const holding = (wanted: { scope: string; role: RecipientRole }[]): Recipient<Staff>[] =>
    staff.flatMap(({ staff: user, scopes }) => {
      if (user.status !== 'active') return [];
      const match = wanted.find((entry) => scopes.includes(entry.scope));
      return match ? [{ staff: user, role: match.role }] : [];
    });
  if (round > 0) return holding([moderators, ...escalation]);
  const found = holding([moderators]);
  return found.length > 0 ? found : holding(escalation);
}

/** How long a submission has waited when round `round` starts, in whole days (at least 1), for the reminder text. */
export function waitedDays(round: number, decisionTimeoutSeconds: number): number {
  return Math.max(1, Math.round((round * decisionTimeoutSeconds) / 86400));
}

/** The one email of a round to one staff user, or the outcome to the submitter: claimed once, by this name. */
export function noticeName(round: number | 'submitter', staffId?: string): string {
  return round === 'submitter' ? 'submitter' : `${round}#${staffId ?? ''}`;
}
