/**
 * The submission review's rules (core/submissions/rules.ts): pure functions of the items and a time, so every case
 * is a line here instead of a workflow run. No emulator.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewItem, SubmissionItem } from '../../core/submissions/model.js';
import {
  claimExpiry,
  claimRefusal,
  claimedByAnother,
  decisionRefusal,
  finalStatusFor,
  hasOutcomeToTell,
  isWithdrawable,
  outcomeAddress,
  receivedExpiresAt,
  roundRecipients,
  seesInFull,
  settlement,
  storedSubmissionProblems,
  visibilityFor,
  waitedDays,
  withdrawalRefusal,
} from '../../core/submissions/rules.js';

const NOW = new Date('2026-11-28T12:00:00.000Z');
const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000).toISOString();
const ID = '7d0c5f8e-2f0e-4a4b-9a53-0b7a1f3c2d11';

function submission(fields: Partial<SubmissionItem> = {}): SubmissionItem {
  return {
    pk: `SUBMISSION#${ID}`,
    sk: 'SUBMISSION',
    entity: 'submission',
    id: ID,
    type: 'message',
    site: 'history',
    submitter: { id: 'mary_member', verified: true, name: 'Mary Member' },
    yearOfGraduation: null,
    targetType: 'show',
    targetId: 'tempest-1985',
    targetName: 'The Tempest',
    targetUrl: 'https://history.example.test/shows/tempest-1985',
    subject: null,
    message: 'I was Ariel, not Caliban.',
    status: 'pending',
    executionName: ID,
    createdAt: at(-86400),
    updatedAt: at(-86400),
    gsi1pk: 'SUBMITTER#mary_member',
    gsi1sk: `${at(-86400)}#${ID}`,
    ...fields,
  };
}

function review(fields: Partial<ReviewItem> = {}): ReviewItem {
  return {
    pk: `SUBMISSION#${ID}`,
    sk: 'REVIEW',
    entity: 'submission-review',
    submissionId: ID,
    site: 'history',
    executionName: ID,
    round: 0,
    createdAt: at(-86400),
    updatedAt: at(-86400),
    ...fields,
  };
}

describe('settlement', () => {
  it('a decision settles to its status, keeping who decided, when, and the reason', () => {
    const decided = review({
      outcome: 'reject',
      decidedBy: 'staff-1',
      decidedAt: at(-60),
      reason: 'Duplicate',
    });
    expect(settlement(submission(), decided, NOW)).toEqual({
      change: true,
      status: 'rejected',
      decided: { decidedAt: at(-60), decidedBy: 'staff-1', reason: 'Duplicate' },
      recordExpiry: false,
    });
  });

  it('no outcome expires the submission now, recording the expiry with it', () => {
    expect(settlement(submission(), review(), NOW)).toEqual({
      change: true,
      status: 'expired',
      decided: { decidedAt: NOW.toISOString() },
      recordExpiry: true,
    });
  });

  it('a withdrawal does not name `submitter` as the decider', () => {
    const withdrawn = review({ outcome: 'withdraw', decidedBy: 'submitter', decidedAt: at(-5) });
    expect(settlement(submission(), withdrawn, NOW)).toMatchObject({
      status: 'withdrawn',
      decided: { decidedAt: at(-5) },
    });
    expect(settlement(submission(), withdrawn, NOW)).not.toHaveProperty('decided.decidedBy');
  });

  it('is a no-op once final: the outcome’s status, or what is stored', () => {
    const approved = review({ outcome: 'approve', decidedBy: 'staff-1', decidedAt: at(-60) });
    expect(settlement(submission({ status: 'approved' }), approved, NOW)).toEqual({
      change: false,
      status: 'approved',
    });
    expect(settlement(submission({ status: 'withdrawn' }), review(), NOW)).toEqual({
      change: false,
      status: 'withdrawn',
    });
  });

  it('maps each outcome to its final status', () => {
    expect(finalStatusFor({ outcome: 'approve' })).toBe('approved');
    expect(finalStatusFor({ outcome: 'reject' })).toBe('rejected');
    expect(finalStatusFor({ outcome: 'expire' })).toBe('expired');
    expect(finalStatusFor({ outcome: 'withdraw' })).toBe('withdrawn');
    expect(finalStatusFor({})).toBe('expired');
  });
});

describe('claims', () => {
  it('runs out after the configured seconds', () => {
    expect(claimExpiry(NOW, 1800)).toBe(at(1800));
  });

  it('holds against others until it runs out, never against its holder', () => {
    const claimed = review({ claimedBy: 'staff-1', claimedUntil: at(60) });
    expect(claimedByAnother(claimed, 'staff-2', NOW)).toBe(true);
    expect(claimedByAnother(claimed, 'staff-1', NOW)).toBe(false);
    expect(claimedByAnother(claimed, 'staff-2', new Date(at(61)))).toBe(false);
    expect(claimedByAnother(review(), 'staff-2', NOW)).toBe(false);
  });

  it('refuses a missing or decided review and another’s live claim; renewing one’s own is fine', () => {
    expect(claimRefusal(undefined, 'staff-1', NOW)).toBe('not-found');
    expect(claimRefusal(review({ outcome: 'approve' }), 'staff-1', NOW)).toBe('decided');
    const claimed = review({ claimedBy: 'staff-1', claimedUntil: at(60) });
    expect(claimRefusal(claimed, 'staff-2', NOW)).toBe('claimed');
    expect(claimRefusal(claimed, 'staff-1', NOW)).toBeUndefined();
    expect(claimRefusal(claimed, 'staff-2', new Date(at(120)))).toBeUndefined();
  });
});

describe('decisions that could not be recorded', () => {
  const approve = { decision: 'approve' as const, staffId: 'staff-1' };

  it('the same moderator repeating the same decision is a repeat', () => {
    const decided = review({ outcome: 'approve', decidedBy: 'staff-1' });
    expect(decisionRefusal(decided, approve, NOW)).toEqual({ repeated: true });
  });

  it('anything else after an outcome is refused by that outcome', () => {
    expect(decisionRefusal(review({ outcome: 'approve', decidedBy: 'staff-2' }), approve, NOW)).toEqual({
      repeated: false,
      refusal: 'approve',
    });
    expect(
      decisionRefusal(
        review({ outcome: 'approve', decidedBy: 'staff-1' }),
        { ...approve, decision: 'reject' },
        NOW,
      ),
    ).toEqual({ repeated: false, refusal: 'approve' });
    expect(decisionRefusal(review({ outcome: 'expire', decidedBy: 'workflow' }), approve, NOW)).toEqual({
      repeated: false,
      refusal: 'expire',
    });
    expect(decisionRefusal(review({ outcome: 'withdraw', decidedBy: 'submitter' }), approve, NOW)).toEqual({
      repeated: false,
      refusal: 'withdraw',
    });
  });

  it('without an outcome: another’s live claim, else the submission is not pending; no review is not found', () => {
    const claimed = review({ claimedBy: 'staff-2', claimedUntil: at(60) });
    expect(decisionRefusal(claimed, approve, NOW)).toEqual({ repeated: false, refusal: 'claimed' });
    expect(decisionRefusal(review(), approve, NOW)).toEqual({ repeated: false, refusal: 'not-pending' });
    expect(decisionRefusal(undefined, approve, NOW)).toEqual({ repeated: false, refusal: 'not-found' });
  });
});

describe('withdrawal', () => {
  it('only the submitting member, only while pending', () => {
    expect(withdrawalRefusal(submission(), 'mary_member')).toBeUndefined();
    expect(withdrawalRefusal(submission(), 'someone_else')).toBe('not-yours');
    expect(withdrawalRefusal(submission({ status: 'approved' }), 'mary_member')).toBe('not-pending');
    expect(isWithdrawable(submission({ status: 'expired' }))).toBe(false);
  });

  it('a missing or not yet taken up submission is not found; an anonymous one is nobody’s to withdraw', () => {
    expect(withdrawalRefusal(undefined, 'mary_member')).toBe('not-found');
    expect(withdrawalRefusal(submission({ status: 'received' }), 'mary_member')).toBe('not-found');
    const anonymous = submission({ submitter: { id: 'mary_member', verified: false, name: 'Mary' } });
    expect(withdrawalRefusal(anonymous, 'mary_member')).toBe('not-yours');
  });
});

describe('the stored submission', () => {
  it('passes when its fields still pass the API’s schema and its site is configured', () => {
    expect(storedSubmissionProblems(submission(), ['history', 'alumni'])).toEqual([]);
  });

  it('names the fields that do not, and an unknown site', () => {
    const broken = submission({ targetUrl: 'javascript:alert(1)', site: 'elsewhere' });
    expect(storedSubmissionProblems(broken, ['history'])).toEqual(['targetUrl', 'site']);
    const unknownType = submission({ type: 'poem' as SubmissionItem['type'] });
    expect(storedSubmissionProblems(unknownType, ['history'])).toEqual(['type']);
  });

  it('a received submission goes away a day after it was stored', () => {
    expect(receivedExpiresAt(NOW)).toBe(NOW.getTime() / 1000 + 86400);
  });
});

describe('the outcome for the submitter', () => {
  it('is told for approvals and rejections only', () => {
    expect(hasOutcomeToTell({ status: 'approved' })).toBe(true);
    expect(hasOutcomeToTell({ status: 'rejected' })).toBe(true);
    expect(hasOutcomeToTell({ status: 'expired' })).toBe(false);
    expect(hasOutcomeToTell({ status: 'withdrawn' })).toBe(false);
  });

  it('goes to an active member’s address, or the address an anonymous visitor gave', () => {
    const member = { status: 'active', email: 'mary@example.test' };
    expect(outcomeAddress(submission(), member)).toBe('mary@example.test');
    expect(outcomeAddress(submission(), { ...member, status: 'pending' })).toBeUndefined();
    expect(outcomeAddress(submission(), undefined)).toBeUndefined();
    const anonymous = submission({
      submitter: { id: ID, verified: false, name: 'Ann', email: 'ann@example.test' },
    });
    expect(outcomeAddress(anonymous, undefined)).toBe('ann@example.test');
    expect(
      outcomeAddress(submission({ submitter: { id: ID, verified: false, name: 'Ann' } }), undefined),
    ).toBe(undefined);
  });
});

describe('review rounds', () => {
  const user = (id: string, status = 'active') => ({ id, status });
  const staff = [
    { staff: user('mod'), scopes: ['site:history:moderate'] },
    { staff: user('mod-and-admin'), scopes: ['site:history:admin', 'site:history:moderate'] },
    { staff: user('admin'), scopes: ['site:history:admin'] },
    { staff: user('network'), scopes: ['network:admin'] },
    { staff: user('other-site'), scopes: ['site:alumni:moderate', 'site:alumni:admin'] },
    { staff: user('invited', 'invited'), scopes: ['site:history:moderate'] },
    { staff: user('reader'), scopes: ['network:read'] },
  ];
  const summary = (recipients: { staff: { id: string }; role: string }[]) =>
    recipients.map((recipient) => `${recipient.staff.id}:${recipient.role}`);

  it('round 0 tells the site’s active moderators only', () => {
    expect(summary(roundRecipients(staff, 'history', 0))).toEqual([
      'mod:moderator',
      'mod-and-admin:moderator',
    ]);
  });

  it('later rounds remind them and escalate to the site’s admins and the network admins', () => {
    expect(summary(roundRecipients(staff, 'history', 1))).toEqual([
      'mod:moderator',
      'mod-and-admin:moderator',
      'admin:site-admin',
      'network:network-admin',
    ]);
  });

  it('a site without moderators escalates at once', () => {
    expect(summary(roundRecipients(staff, 'empty', 0))).toEqual(['network:network-admin']);
    expect(summary(roundRecipients([], 'history', 0))).toEqual([]);
  });

  it('the reminder says how many days the submission waited, at least one', () => {
    expect(waitedDays(1, 3 * 86400)).toBe(3);
    expect(waitedDays(2, 3 * 86400)).toBe(6);
    expect(waitedDays(1, 600)).toBe(1);
  });
});

describe('visibility', () => {
  const sites = ['history', 'alumni'];

  it('the submitter and network staff see everything; anyone else approved ones only', () => {
    expect(visibilityFor({ memberId: 'mary_member' }, 'mary_member', sites)).toEqual({ all: true });
    expect(visibilityFor({ staffScopes: ['network:read'] }, 'mary_member', sites)).toEqual({ all: true });
    expect(visibilityFor({ staffScopes: ['network:admin'] }, 'mary_member', sites)).toEqual({ all: true });
    expect(visibilityFor({ memberId: 'someone_else' }, 'mary_member', sites)).toEqual({
      approvedOnlyExcept: [],
    });
    expect(visibilityFor({}, 'mary_member', sites)).toEqual({ approvedOnlyExcept: [] });
  });

  it('a site’s staff see that site in full and other sites’ approved submissions publicly', () => {
    const visibility = visibilityFor({ staffScopes: ['site:history:moderate'] }, 'mary_member', sites);
    expect(visibility).toEqual({ approvedOnlyExcept: ['history'] });
    expect(seesInFull(visibility, { site: 'history' })).toBe(true);
    expect(seesInFull(visibility, { site: 'alumni' })).toBe(false);
    expect(seesInFull({ all: true }, { site: 'alumni' })).toBe(true);
  });
});
