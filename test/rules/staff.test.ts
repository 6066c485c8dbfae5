/**
 * The staff domain's pure decisions (core/staff/rules.ts, core/staff/emails.ts): invitation ownership and
 * activation, execution names, acceptance of an invitation link, link refusals, session validity, and the emails'
 * wording. No emulator: these run in the fast tier.
 */
import { describe, expect, it } from 'vitest';
import {
  describeScope,
  invitationEmail,
  linkLifetimeFootnote,
  signInEmail,
} from '../../core/staff/emails.js';
import type { StaffItem } from '../../core/staff/model.js';
import {
  acceptanceDecision,
  isActivatedBy,
  isStaffSessionValid,
  nextTimestamp,
  ownsInvitation,
  permissionsVersionOf,
  reinviteExecutionName,
  staffInvitationExecutionName,
  staffLinkRefusal,
} from '../../core/staff/rules.js';

const now = new Date('2026-03-01T12:00:00.000Z');
const staffId = '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10';

function staff(overrides: Partial<StaffItem> = {}): StaffItem {
  return {
    pk: `STAFF#${staffId}`,
    sk: 'PROFILE',
    entity: 'staff',
    id: staffId,
    email: 'ada@example.org',
    name: 'Ada',
    status: 'invited',
    createdAt: '2026-03-01T11:00:00.000Z',
    updatedAt: '2026-03-01T11:00:00.000Z',
    invitedBy: 'admin',
    invitationExecution: 'staff-invite-x-1',
    gsi1pk: 'STAFF',
    gsi1sk: 'ada@example.org',
    ...overrides,
  };
}

describe('invitation ownership', () => {
  it('an invitation is the execution’s only while it is pending and names that execution', () => {
    expect(ownsInvitation(staff(), 'staff-invite-x-1')).toBe(true);
    expect(ownsInvitation(staff(), 'staff-invite-x-0')).toBe(false);
    expect(ownsInvitation(staff({ status: 'active' }), 'staff-invite-x-1')).toBe(false);
    expect(ownsInvitation(undefined, 'staff-invite-x-1')).toBe(false);
  });

  it('a repeated activation is recognised by its acceptance time', () => {
    const active = staff({ status: 'active', activatedAt: '2026-03-01T11:30:00.000Z' });
    expect(isActivatedBy(active, '2026-03-01T11:30:00.000Z')).toBe(true);
    expect(isActivatedBy(active, '2026-03-01T11:31:00.000Z')).toBe(false);
    expect(
      isActivatedBy(staff({ activatedAt: '2026-03-01T11:30:00.000Z' }), '2026-03-01T11:30:00.000Z'),
    ).toBe(false);
    expect(isActivatedBy(undefined, '2026-03-01T11:30:00.000Z')).toBe(false);
  });
});

describe('execution names', () => {
  it('are named after the user and the second, within Step Functions’ 80 characters', () => {
    const name = staffInvitationExecutionName(staffId, now);
    expect(name).toBe(`staff-invite-${staffId}-${now.getTime() / 1000}`);
    expect(name.length).toBeLessThanOrEqual(80);
  });

  it('a reinvite in the same second as the previous invitation gets a name of its own', () => {
    const previous = staffInvitationExecutionName(staffId, now);
    const later = new Date(now.getTime() + 5_000);
    expect(reinviteExecutionName(staffId, previous, later)).toBe(
      staffInvitationExecutionName(staffId, later),
    );
    const sameSecond = new Date(now.getTime() + 250);
    expect(reinviteExecutionName(staffId, previous, sameSecond)).toBe(`${previous}-250`);
    expect(reinviteExecutionName(staffId, undefined, now)).toBe(previous);
  });
});

describe('nextTimestamp', () => {
  it('is now, or a millisecond after the previous change when the clock is behind it', () => {
    expect(nextTimestamp('2026-03-01T11:00:00.000Z', now)).toBe(now.toISOString());
    expect(nextTimestamp('2026-03-01T12:00:00.000Z', now)).toBe('2026-03-01T12:00:00.001Z');
    expect(nextTimestamp('2026-03-01T13:00:00.000Z', now)).toBe('2026-03-01T13:00:00.001Z');
    expect(nextTimestamp(undefined, now)).toBe(now.toISOString());
    expect(nextTimestamp('garbage', now)).toBe(now.toISOString());
  });
});

describe('accepting an invitation link', () => {
  const link = { invitationExecution: 'staff-invite-x-1' };

  it('answers the workflow when the invitation is pending, this link’s, and its token is stored', () => {
    expect(acceptanceDecision(staff({ invitationTaskToken: 'token' }), link)).toBe('answer');
    expect(acceptanceDecision(staff({ invitationTaskToken: 'token' }), {})).toBe('answer');
  });

  it('asks to try again while the workflow has not stored its token yet', () => {
    expect(acceptanceDecision(staff(), link)).toBe('setting-up');
  });

  it('an earlier invitation’s link, and a deleted user’s, has expired', () => {
    const reinvited = staff({ invitationExecution: 'staff-invite-x-2', invitationTaskToken: 'token' });
    expect(acceptanceDecision(reinvited, link)).toBe('expired');
    expect(acceptanceDecision(undefined, link)).toBe('expired');
  });

  it('an active user is signed in only through the link whose acceptance activated them', () => {
    const active = staff({ status: 'active', activatedAt: '2026-03-01T11:30:00.000Z' });
    expect(acceptanceDecision(active, { ...link, acceptedAt: '2026-03-01T11:30:00.000Z' })).toBe('accepted');
    expect(acceptanceDecision(active, { ...link, acceptedAt: '2026-03-01T11:29:00.000Z' })).toBe('expired');
    expect(acceptanceDecision(active, link)).toBe('expired');
  });
});

describe('staff link refusals', () => {
  const valid = { validUntil: '2026-03-01T13:00:00.000Z', purpose: 'staff-login' };

  it('refuses an unknown, expired or other-purpose link as invalid, a redeemed one as used', () => {
    expect(staffLinkRefusal(valid, 'staff-login', now)).toBeUndefined();
    expect(staffLinkRefusal(undefined, 'staff-login', now)).toBe('invalid');
    expect(staffLinkRefusal({ ...valid, validUntil: now.toISOString() }, 'staff-login', now)).toBe('invalid');
    expect(staffLinkRefusal(valid, 'staff-invite', now)).toBe('invalid');
    expect(staffLinkRefusal({ ...valid, purpose: 'login' }, 'staff-login', now)).toBe('invalid');
    expect(staffLinkRefusal({ ...valid, redeemedAt: now.toISOString() }, 'staff-login', now)).toBe('used');
  });
});

describe('staff session validity', () => {
  const active = staff({ status: 'active', permissionsVersion: 2 });
  const session = {
    entity: 'staff-session',
    staffId,
    permissionsVersion: 2,
    validUntil: '2026-03-01T18:00:00.000Z',
  };

  it('counts while it is the user’s, at their permissions version, before validUntil', () => {
    expect(isStaffSessionValid(session, active, now)).toBe(true);
    expect(isStaffSessionValid(undefined, active, now)).toBe(false);
    expect(isStaffSessionValid({ ...session, staffId: 'other' }, active, now)).toBe(false);
    expect(isStaffSessionValid({ ...session, entity: 'session' }, active, now)).toBe(false);
    expect(isStaffSessionValid(session, active, new Date('2026-03-01T18:00:00.000Z'))).toBe(false);
  });

  it('stops counting when the permissions change (an absent version is 0)', () => {
    expect(isStaffSessionValid(session, staff({ status: 'active', permissionsVersion: 3 }), now)).toBe(false);
    const { permissionsVersion: _version, ...unversioned } = session;
    expect(isStaffSessionValid(unversioned, staff({ status: 'active' }), now)).toBe(true);
    expect(permissionsVersionOf(staff())).toBe(0);
  });
});

describe('staff emails', () => {
  it('say how long an invitation link works', () => {
    expect(linkLifetimeFootnote(7 * 86400)).toBe('The link works once, for 7 days.');
    expect(linkLifetimeFootnote(86400)).toBe('The link works once, for 24 hours.');
    expect(linkLifetimeFootnote(3600)).toBe('The link works once, for 1 hours.');
    expect(linkLifetimeFootnote(60)).toBe('The link works once, for a short time.');
  });

  it('describe each permission, and an invitation without any', () => {
    expect(describeScope('network:admin')).toBe('manage all staff and their permissions');
    expect(describeScope('network:read')).toBe('read every member and submission');
    expect(describeScope('site:history:admin')).toBe('manage the staff of the history site');
    expect(describeScope('site:history:moderate')).toBe("moderate the history site's submissions");
    const email = invitationEmail({
      name: 'Ada',
      scopes: [],
      url: 'https://api.example/x',
      validForSeconds: 60,
    });
    expect(email.text).toContain('Your permissions will be given to you by an administrator.');
  });

  it('escape the name and carry the link', () => {
    const email = signInEmail({ name: '<b>Ada</b>', url: 'https://api.example/staff/signin?token=t' });
    expect(email.html).not.toContain('<b>Ada</b>');
    expect(email.text).toContain('https://api.example/staff/signin?token=t');
  });
});
