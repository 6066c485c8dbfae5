/**
 * The relay's decisions, as functions of items and a time: who can be contacted, which limit a reservation hit,
 * when things expire, whether a link still works. No I/O and no clock of their own, so `test/rules/relay.test.ts`
 * checks them without an emulator; the repository, the service and the tasks act on what they decide.
 */
import { DomainError } from '../errors.js';
import { epochSeconds, keys, type ItemKey } from '../keys.js';
import {
  memberRelayKey,
  recipientKeyOf,
  studentSenderKey,
  type RelayItem,
  type RelayLimit,
  type RelayMember,
  type StoredRelay,
} from './model.js';
import type { relaySettings } from './settings.js';

type RelaySettings = ReturnType<typeof relaySettings>;

const DAY_SECONDS = 24 * 3600;
/** A member's request is answered within seconds; its item expires anyway if the workflow never closes it. */
const MEMBER_REQUEST_TTL_SECONDS = 2 * DAY_SECONDS;
/** The day's counters are kept two days after the day begins. */
const COUNTER_RETENTION_SECONDS = 2 * DAY_SECONDS;
/** How long the recipient can report the email as abuse. */
export const REPORT_LINK_SECONDS = 30 * DAY_SECONDS;

/** The same neutral refusal whatever the reason: the sender is never told why. */
export const notContactableMessage = "This member can't be contacted through the network";

/** The UTC day (`yyyy-mm-dd`) the daily limits count in. */
export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

/** Seconds until the next UTC midnight, when the daily counters start again (at least 1). */
export function secondsUntilTomorrowUtc(now: Date): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((midnight - now.getTime()) / 1000));
}

// ------------------------------------------------------------------------------------------------ requests

export type NewContactRequest =
  | {
      kind: 'member';
      recipientId: string;
      sender: { id: string; uid?: string };
      subject?: string;
      message: string;
    }
  | {
      kind: 'student';
      recipientId: string;
      studentName: string;
      studentEmail: string;
      subject?: string;
      message: string;
    };

/**
 * The stored request. Its recipient is the profile that holds the id now (`recipient`), so a request outliving it
 * must not reach a later one; it expires (TTL) if the workflow never closes it: a member's after two days, a
 * student's a day after their confirmation link's wait ends.
 */
export function newRelayItem(
  request: NewContactRequest,
  recipient: { id: string; uid?: string } | undefined,
  relayId: string,
  now: Date,
  settings: Pick<RelaySettings, 'studentVerificationTimeoutSeconds'>,
): RelayItem {
  const ttl =
    request.kind === 'member'
      ? MEMBER_REQUEST_TTL_SECONDS
      : settings.studentVerificationTimeoutSeconds + DAY_SECONDS;
  return {
    ...keys.relay(relayId),
    entity: 'relay',
    relayId,
    recipientId: request.recipientId,
    ...(recipient ? { recipientKey: memberRelayKey(recipient) } : {}),
    senderKind: request.kind,
    ...(request.kind === 'member'
      ? { senderKey: memberRelayKey(request.sender), senderMemberId: request.sender.id }
      : {
          senderKey: studentSenderKey(request.studentEmail),
          studentName: request.studentName,
          studentEmail: request.studentEmail,
        }),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(request.subject === undefined ? {} : { subject: request.subject }),
    message: request.message,
    expiresAt: epochSeconds(now) + ttl,
  };
}

/** The request as a task reads it: it must exist and still be open (closing it removes its recipient's id). */
export function openRelay(relay: StoredRelay | undefined): RelayItem {
  if (!relay) throw new DomainError('InvalidInput', 'No such relay request');
  const { recipientId } = relay;
  if (recipientId === undefined) throw new DomainError('InvalidInput', 'The relay request has already ended');
  return { ...relay, recipientId };
}

/** What the workflow's first step needs; a request that has ended or lost its message is bad input. */
export function loadableRelay(relay: RelayItem): RelayItem & { message: string } {
  if (relay.outcome) throw new DomainError('InvalidInput', 'The relay request has already ended');
  const { message } = relay;
  if (!message) throw new DomainError('InvalidInput', 'The relay request has no message');
  return { ...relay, message };
}

// ------------------------------------------------------------------------------------------------ contactability

/** Still the profile the request was made to (not a later owner of an erased member's id), and active. */
export function isReachableRecipient(relay: RelayItem, recipient: RelayMember | undefined): boolean {
  return recipient?.status === 'active' && memberRelayKey(recipient) === recipientKeyOf(relay);
}

/**
 * Whether the recipient may be written to now: active, still the profile the request was made to, consenting to
 * first emails from this kind of sender, not the sender themself, and not having blocked this sender.
 */
export function isContactable(
  relay: RelayItem,
  recipient: RelayMember | undefined,
  senderBlocked: boolean,
): boolean {
  const consent = relay.senderKind === 'member' ? 'consentMembers' : 'consentStudents';
  return (
    isReachableRecipient(relay, recipient) &&
    recipient?.consent[consent]?.granted === true &&
    relay.senderMemberId !== relay.recipientId &&
    !senderBlocked
  );
}

/** The recipient when still reachable (active, the same profile), otherwise the neutral `NotContactable`. */
export function reachableRecipient(relay: RelayItem, recipient: RelayMember | undefined): RelayMember {
  if (!recipient || !isReachableRecipient(relay, recipient)) {
    throw new DomainError('NotContactable', notContactableMessage);
  }
  return recipient;
}

/** Throws the neutral `NotContactable` unless `contactable`. */
export function requireContactable(contactable: boolean): void {
  if (!contactable) throw new DomainError('NotContactable', notContactableMessage);
}

export interface RelaySender {
  name: string;
  /** How the relayed email introduces them. */
  description: string;
  replyTo: string;
}

/**
 * The sender as the relayed email names them. A member sender must still be the active profile that asked (not a
 * later owner of their id, whose address must not become the Reply-To).
 */
export function relaySender(relay: RelayItem, senderMember: RelayMember | undefined): RelaySender {
  if (relay.senderKind === 'student') {
    if (!relay.studentEmail || !relay.studentName) {
      throw new DomainError('InvalidInput', 'The student request has no address');
    }
    return {
      name: relay.studentName,
      description: `${relay.studentName}, a current student,`,
      replyTo: relay.studentEmail,
    };
  }
  if (senderMember?.status !== 'active' || memberRelayKey(senderMember) !== relay.senderKey) {
    throw new DomainError('InvalidInput', 'The sender is not a member');
  }
  return {
    name: senderMember.fullName,
    description: `${senderMember.fullName} (${senderMember.id}), a member of the network,`,
    replyTo: senderMember.email,
  };
}

/**
 * Where the sender is told the outcome: a student's address, or a member sender's own profile (a later owner of
 * their id is told nothing about their request). `undefined`: nobody to tell.
 */
export function senderAddress(
  relay: RelayItem,
  senderMember: RelayMember | undefined,
): { email: string; name: string } | undefined {
  if (relay.senderKind === 'student') {
    return relay.studentEmail && relay.studentName
      ? { email: relay.studentEmail, name: relay.studentName }
      : undefined;
  }
  return senderMember && memberRelayKey(senderMember) === relay.senderKey
    ? { email: senderMember.email, name: senderMember.fullName }
    : undefined;
}

// ------------------------------------------------------------------------------------------------ limits

export interface LimitCounter {
  key: ItemKey;
  maximum: number;
}

/** What reserving a request's limits writes, in one transaction (see `relayRepository.reserveQuota`). */
export interface QuotaReservation {
  relayId: string;
  day: string;
  at: string;
  /** Epoch seconds: the day's counters go two days after the day began. */
  counterExpiresAt: number;
  sender: LimitCounter;
  recipient: LimitCounter;
  /** One first email per sender and recipient, ever. */
  pair: ItemKey;
}

export function quotaReservation(
  relay: RelayItem,
  now: Date,
  settings: Pick<RelaySettings, 'senderDailyLimit' | 'recipientDailyLimit'>,
): QuotaReservation {
  const day = utcDay(now);
  return {
    relayId: relay.relayId,
    day,
    at: now.toISOString(),
    counterExpiresAt: epochSeconds(new Date(`${day}T00:00:00Z`)) + COUNTER_RETENTION_SECONDS,
    sender: { key: keys.senderDailyLimit(relay.senderKey, day), maximum: settings.senderDailyLimit },
    recipient: {
      key: keys.recipientDailyLimit(recipientKeyOf(relay), day),
      maximum: settings.recipientDailyLimit,
    },
    pair: keys.pairLimit(relay.senderKey, recipientKeyOf(relay)),
  };
}

/** Which conditions of the reservation's transaction failed (all false: it was cancelled for another reason). */
export interface ReservationRefusal {
  /** The request already holds a reservation (an earlier attempt of the step). */
  alreadyReserved: boolean;
  sender: boolean;
  recipient: boolean;
  pair: boolean;
}

/** The limit a refused reservation hit, the pair first (it lasts), then the sender's, then the recipient's. */
export function limitReached(refusal: ReservationRefusal): RelayLimit | undefined {
  if (refusal.pair) return 'pair';
  if (refusal.sender) return 'sender-daily';
  if (refusal.recipient) return 'recipient-daily';
  return undefined;
}

/**
 * The reservation step's answer: reserved (now or by an earlier attempt, whose day the request holds), or
 * `RateLimited` whose message is the limit's name (the ASL passes it on as the result's `limit`), or retryable.
 */
export function reservationResult(
  refusal: ReservationRefusal | undefined,
  reservation: QuotaReservation,
  relay: Pick<RelayItem, 'quotaDay'>,
): { reserved: true; day?: string } {
  if (!refusal) return { reserved: true, day: reservation.day };
  if (refusal.alreadyReserved) return { reserved: true, day: relay.quotaDay };
  const limit = limitReached(refusal);
  if (limit) throw new DomainError('RateLimited', limit);
  throw new DomainError('RetryableError', 'Limit reservation cancelled');
}

/** What a reservation took, if the request holds one: its day. */
export function reservedDay(relay: Pick<RelayItem, 'quotaReservedAt' | 'quotaDay'>): string | undefined {
  return relay.quotaReservedAt && relay.quotaDay ? relay.quotaDay : undefined;
}

// ------------------------------------------------------------------------------------------------ closing

/** A closed request is kept (ids, times, outcome; no addresses or text) for the retention period from now. */
export function retentionEnd(now: Date, settings: Pick<RelaySettings, 'retentionDays'>): number {
  return epochSeconds(now) + settings.retentionDays * DAY_SECONDS;
}

// ------------------------------------------------------------------------------------------------ links

/** Why a relay link is refused, as a key of `linkMessages`; `undefined` when it may be used. */
export type LinkRefusal = 'invalid' | 'used' | 'expired';

export interface RelayLink {
  purpose: string;
  memberId: string;
  validUntil: string;
  relayId?: string;
  redeemedAt?: string;
}

/** A link of `purpose` that names a relay and is still within its time. */
export function relayLinkRefusal(
  link: RelayLink | undefined,
  purpose: 'student-contact' | 'relay-report',
  now: Date,
): LinkRefusal | undefined {
  if (!link || link.purpose !== purpose || !link.relayId || Date.parse(link.validUntil) <= now.getTime()) {
    return 'invalid';
  }
  return undefined;
}

/**
 * Whether a student's confirmation link can resume its request: gone (its retention ended) or already closed
 * (expired, refused) means nothing waits for it; a link of another member or a member's request is invalid.
 */
export function confirmationRefusal(
  relay: StoredRelay | undefined,
  link: Pick<RelayLink, 'memberId'>,
): LinkRefusal | undefined {
  if (!relay || relay.outcome) return 'expired';
  if (relay.recipientId !== link.memberId || relay.senderKind !== 'student') return 'invalid';
  return undefined;
}

/**
 * The recipient key a report blocks the sender under, or the refusal. A closed request no longer names its
 * recipient's id (its link still names the request); one closed before recipient keys existed names neither, and
 * its link names the recipient under the key such requests were limited and blocked by (the member id).
 */
export function reportTarget(
  relay: StoredRelay | undefined,
  link: Pick<RelayLink, 'memberId'>,
): { refusal: LinkRefusal } | { recipientKey: string; senderKey: string; relayId: string } {
  if (!relay) return { refusal: 'expired' };
  if (relay.recipientId && relay.recipientId !== link.memberId) return { refusal: 'invalid' };
  return {
    recipientKey: relay.recipientKey ?? relay.recipientId ?? link.memberId,
    senderKey: relay.senderKey,
    relayId: relay.relayId,
  };
}
