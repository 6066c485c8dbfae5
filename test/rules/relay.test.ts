/**
 * The relay's rules and emails as functions of items and a time: no emulator, no clock but the one passed in.
 */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import { keys, mailboxHash } from '../../core/keys.js';
import { relayedEmail, senderNoticeEmail, studentConfirmationEmail } from '../../core/relay/emails.js';
import type { RelayItem, RelayMember } from '../../core/relay/model.js';
import {
  confirmationRefusal,
  isContactable,
  limitReached,
  loadableRelay,
  newRelayItem,
  openRelay,
  quotaReservation,
  reachableRecipient,
  relayLinkRefusal,
  relaySender,
  reportTarget,
  reservationResult,
  reservedDay,
  retentionEnd,
  secondsUntilTomorrowUtc,
  senderAddress,
} from '../../core/relay/rules.js';

const now = new Date('2026-03-14T22:30:00.000Z');
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

function member(overrides: Partial<RelayMember> = {}): RelayMember {
  return {
    id: 'rita',
    uid: 'uid-rita',
    status: 'active',
    fullName: 'Rita Recipient',
    email: 'rita@mail.example',
    consent: {
      consentMembers: { granted: true },
      consentStudents: { granted: true },
    },
    ...overrides,
  };
}

function relay(overrides: Partial<RelayItem> = {}): RelayItem {
  return {
    ...keys.relay('r-1'),
    entity: 'relay',
    relayId: 'r-1',
    recipientId: 'rita',
    recipientKey: 'member:uid-rita',
    senderKind: 'member',
    senderKey: 'member:uid-sam',
    senderMemberId: 'sam',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    message: 'Hello',
    expiresAt: epoch('2026-03-16T22:30:00Z'),
    ...overrides,
  };
}

const sam = member({ id: 'sam', uid: 'uid-sam', fullName: 'Sam Sender', email: 'sam@mail.example' });

function thrownCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('a new request', () => {
  it("from a member: keyed by both profiles' uids, expiring after two days", () => {
    const item = newRelayItem(
      { kind: 'member', recipientId: 'rita', sender: { id: 'sam', uid: 'uid-sam' }, message: 'Hi' },
      { id: 'rita', uid: 'uid-rita' },
      'r-1',
      now,
      { studentVerificationTimeoutSeconds: 3600 },
    );
    expect(item).toMatchObject({
      pk: 'RELAY#r-1',
      recipientId: 'rita',
      recipientKey: 'member:uid-rita',
      senderKind: 'member',
      senderKey: 'member:uid-sam',
      senderMemberId: 'sam',
      createdAt: now.toISOString(),
      expiresAt: epoch(now.toISOString()) + 2 * 86400,
    });
    expect(item).not.toHaveProperty('subject');
  });

  it('from a student: keyed by the mailbox hash, kept a day past the confirmation wait; no recipient key for an unknown id', () => {
    const item = newRelayItem(
      {
        kind: 'student',
        recipientId: 'nobody',
        studentName: 'Sue',
        studentEmail: 'Sue+x@Students.example',
        subject: 'Archive',
        message: 'Hi',
      },
      undefined,
      'r-2',
      now,
      { studentVerificationTimeoutSeconds: 3600 },
    );
    expect(item.senderKey).toBe(`student:${mailboxHash('sue@students.example')}`);
    expect(item.recipientKey).toBeUndefined();
    expect(item.subject).toBe('Archive');
    expect(item.expiresAt).toBe(epoch(now.toISOString()) + 3600 + 86400);
  });
});

describe('reading a request in a task', () => {
  it('a missing or closed request is bad input', () => {
    expect(thrownCode(() => openRelay(undefined))).toBe('InvalidInput');
    const { recipientId: _closed, ...closed } = relay({ outcome: 'sent' });
    expect(thrownCode(() => openRelay(closed))).toBe('InvalidInput');
    expect(openRelay(relay()).recipientId).toBe('rita');
  });

  it('the first step refuses an ended request or one without its message', () => {
    expect(thrownCode(() => loadableRelay(relay({ outcome: 'expired' })))).toBe('InvalidInput');
    expect(thrownCode(() => loadableRelay(relay({ message: undefined })))).toBe('InvalidInput');
    expect(loadableRelay(relay()).message).toBe('Hello');
  });
});

describe('contactability', () => {
  it('an active, consenting recipient who has not blocked the sender', () => {
    expect(isContactable(relay(), member(), false)).toBe(true);
  });

  it('refuses for every reason alike', () => {
    expect(isContactable(relay(), undefined, false)).toBe(false);
    expect(isContactable(relay(), member({ status: 'pending' }), false)).toBe(false);
    expect(isContactable(relay(), member({ uid: 'uid-someone-else' }), false)).toBe(false);
    expect(isContactable(relay(), member({ consent: { consentMembers: { granted: false } } }), false)).toBe(
      false,
    );
    expect(isContactable(relay(), member(), true)).toBe(false);
    expect(isContactable(relay({ senderMemberId: 'rita' }), member(), false)).toBe(false);
  });

  it("reads the consent of the sender's kind", () => {
    const studentsOnly = member({
      consent: { consentMembers: { granted: false }, consentStudents: { granted: true } },
    });
    expect(isContactable(relay(), studentsOnly, false)).toBe(false);
    expect(
      isContactable(relay({ senderKind: 'student', senderMemberId: undefined }), studentsOnly, false),
    ).toBe(true);
  });

  it('a request made before recipient keys existed is keyed by the member id', () => {
    expect(isContactable(relay({ recipientKey: undefined }), member({ uid: undefined }), false)).toBe(true);
    expect(isContactable(relay({ recipientKey: undefined }), member(), false)).toBe(false);
  });

  it('at sending, only a later owner of the id or an inactive profile is refused, as NotContactable', () => {
    expect(reachableRecipient(relay(), member()).email).toBe('rita@mail.example');
    expect(thrownCode(() => reachableRecipient(relay(), member({ uid: 'uid-new' })))).toBe('NotContactable');
    expect(thrownCode(() => reachableRecipient(relay(), undefined))).toBe('NotContactable');
  });
});

describe('the sender', () => {
  it('a member is named by their own profile, Reply-To their address', () => {
    expect(relaySender(relay(), sam)).toEqual({
      name: 'Sam Sender',
      description: 'Sam Sender (sam), a member of the network,',
      replyTo: 'sam@mail.example',
    });
  });

  it("a later owner of a member sender's id is not the sender", () => {
    expect(thrownCode(() => relaySender(relay(), member({ id: 'sam', uid: 'uid-new' })))).toBe(
      'InvalidInput',
    );
    expect(thrownCode(() => relaySender(relay(), undefined))).toBe('InvalidInput');
    expect(senderAddress(relay(), member({ id: 'sam', uid: 'uid-new' }))).toBeUndefined();
    expect(senderAddress(relay(), sam)).toEqual({ email: 'sam@mail.example', name: 'Sam Sender' });
  });

  it('a student is named as they typed it; a request without their address is bad input', () => {
    const student = relay({
      senderKind: 'student',
      studentName: 'Sue',
      studentEmail: 'sue@students.example',
    });
    expect(relaySender(student, undefined).replyTo).toBe('sue@students.example');
    expect(senderAddress(student, undefined)).toEqual({ email: 'sue@students.example', name: 'Sue' });
    expect(thrownCode(() => relaySender(relay({ senderKind: 'student' }), undefined))).toBe('InvalidInput');
  });
});

describe('limits', () => {
  const settings = { senderDailyLimit: 5, recipientDailyLimit: 3 };

  it("counts in the UTC day, the counters kept two days from the day's start", () => {
    const reservation = quotaReservation(relay(), now, settings);
    expect(reservation).toEqual({
      relayId: 'r-1',
      day: '2026-03-14',
      at: now.toISOString(),
      counterExpiresAt: epoch('2026-03-16T00:00:00Z'),
      sender: { key: keys.senderDailyLimit('member:uid-sam', '2026-03-14'), maximum: 5 },
      recipient: { key: keys.recipientDailyLimit('member:uid-rita', '2026-03-14'), maximum: 3 },
      pair: keys.pairLimit('member:uid-sam', 'member:uid-rita'),
    });
    expect(quotaReservation(relay(), new Date('2026-03-15T00:00:00Z'), settings).day).toBe('2026-03-15');
  });

  it('names the pair first, then the sender, then the recipient', () => {
    const none = { alreadyReserved: false, sender: false, recipient: false, pair: false };
    expect(limitReached({ ...none, sender: true, recipient: true, pair: true })).toBe('pair');
    expect(limitReached({ ...none, sender: true, recipient: true })).toBe('sender-daily');
    expect(limitReached({ ...none, recipient: true })).toBe('recipient-daily');
    expect(limitReached(none)).toBeUndefined();
  });

  it('a reservation is reserved, reserved earlier (its day kept), RateLimited by name, or retryable', () => {
    const reservation = quotaReservation(relay(), now, settings);
    const none = { alreadyReserved: false, sender: false, recipient: false, pair: false };
    expect(reservationResult(undefined, reservation, relay())).toEqual({ reserved: true, day: '2026-03-14' });
    expect(
      reservationResult({ ...none, alreadyReserved: true }, reservation, relay({ quotaDay: '2026-03-13' })),
    ).toEqual({ reserved: true, day: '2026-03-13' });
    try {
      reservationResult({ ...none, sender: true }, reservation, relay());
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'RateLimited', message: 'sender-daily' });
    }
    expect(thrownCode(() => reservationResult(none, reservation, relay()))).toBe('RetryableError');
  });

  it('only a request holding a reservation has something to release', () => {
    expect(reservedDay(relay())).toBeUndefined();
    expect(reservedDay(relay({ quotaDay: '2026-03-14' }))).toBeUndefined();
    expect(reservedDay(relay({ quotaReservedAt: now.toISOString(), quotaDay: '2026-03-14' }))).toBe(
      '2026-03-14',
    );
  });

  it('daily limits start again at the next UTC midnight', () => {
    expect(secondsUntilTomorrowUtc(now)).toBe(90 * 60);
    expect(secondsUntilTomorrowUtc(new Date('2026-03-14T23:59:59.500Z'))).toBe(1);
    expect(secondsUntilTomorrowUtc(new Date('2026-03-14T00:00:00Z'))).toBe(86400);
  });
});

describe('closing', () => {
  it('keeps the closed record for the retention period from now', () => {
    expect(retentionEnd(now, { retentionDays: 180 })).toBe(epoch(now.toISOString()) + 180 * 86400);
  });
});

describe('links', () => {
  const link = {
    purpose: 'student-contact',
    memberId: 'rita',
    relayId: 'r-1',
    validUntil: '2026-03-14T23:00:00Z',
  };

  it('works within its time, for its purpose, naming a request', () => {
    expect(relayLinkRefusal(link, 'student-contact', now)).toBeUndefined();
    expect(relayLinkRefusal(link, 'relay-report', now)).toBe('invalid');
    expect(relayLinkRefusal({ ...link, relayId: undefined }, 'student-contact', now)).toBe('invalid');
    expect(relayLinkRefusal(link, 'student-contact', new Date('2026-03-14T23:00:00Z'))).toBe('invalid');
    expect(relayLinkRefusal(undefined, 'student-contact', now)).toBe('invalid');
  });

  it("a confirmation resumes only an open student request to the link's member", () => {
    const student = relay({ senderKind: 'student' });
    expect(confirmationRefusal(student, link)).toBeUndefined();
    expect(confirmationRefusal(undefined, link)).toBe('expired');
    expect(confirmationRefusal({ ...student, outcome: 'expired' }, link)).toBe('expired');
    expect(confirmationRefusal(relay(), link)).toBe('invalid');
    expect(confirmationRefusal(student, { memberId: 'someone' })).toBe('invalid');
  });

  it('a report blocks under the recipient key, also of a closed request or one older than recipient keys', () => {
    expect(reportTarget(relay(), link)).toEqual({
      recipientKey: 'member:uid-rita',
      senderKey: 'member:uid-sam',
      relayId: 'r-1',
    });
    const { recipientId: _id, ...closed } = relay({ outcome: 'sent' });
    expect(reportTarget(closed, link)).toMatchObject({ recipientKey: 'member:uid-rita' });
    const { recipientId: _old, recipientKey: _key, ...older } = relay({ outcome: 'sent' });
    expect(reportTarget(older, link)).toMatchObject({ recipientKey: 'rita' });
    expect(reportTarget(relay(), { memberId: 'someone' })).toEqual({ refusal: 'invalid' });
    expect(reportTarget(undefined, link)).toEqual({ refusal: 'expired' });
  });
});

describe('the emails', () => {
  it("the relayed email escapes the sender's text and says why it arrived", () => {
    const email = relayedEmail(
      relay({ message: 'Hi <b>Rita</b>\n\nSecond & last', subject: undefined }),
      member(),
      relaySender(relay(), sam),
      { reportUrl: 'https://api.example/contact/report?token=t', siteUrl: 'https://alumni.example' },
    );
    expect(email.subject).toBe('[New Theatre alumni] A message from Sam Sender');
    expect(email.html).toContain('Hi &lt;b&gt;Rita&lt;/b&gt;');
    expect(email.html).not.toContain('<b>Rita</b>');
    expect(email.text).toContain('Second & last');
    expect(email.text).toContain('other members of the network');
    expect(email.text).toContain('https://alumni.example');
    expect(email.text).toContain('Report this email as abuse: https://api.example/contact/report?token=t');
  });

  it("the student's confirmation names the member id and how long the link works", () => {
    const email = studentConfirmationEmail(relay(), 'https://api.example/contact/confirm?token=t', 24 * 3600);
    expect(email.text).toContain('member rita');
    expect(email.text).toContain('for 24 hours');
  });

  it('a member is told only of a sent message; a student of every refusal but an expiry or failure', () => {
    const student = relay({ senderKind: 'student' });
    expect(senderNoticeEmail(relay(), { outcome: 'sent' }, 'Sam')?.subject).toBe(
      'Your message to rita was sent',
    );
    expect(senderNoticeEmail(relay(), { outcome: 'not-contactable' }, 'Sam')).toBeUndefined();
    expect(senderNoticeEmail(student, { outcome: 'not-contactable' }, 'Sue')?.text).toContain(
      "can't be contacted",
    );
    expect(senderNoticeEmail(student, { outcome: 'rate-limited', limit: 'pair' }, 'Sue')?.text).toContain(
      'already sent this member a first email',
    );
    expect(senderNoticeEmail(student, { outcome: 'expired' }, 'Sue')).toBeUndefined();
    expect(senderNoticeEmail(student, { outcome: 'failed' }, 'Sue')).toBeUndefined();
  });
});
