/**
 * The consent-gated "first email" relay. A request is stored as one item (`RELAY#<relayId>`); the workflow is
 * started with the relay id only, so the message and the sender's address never enter an execution's input or
 * history, and they are removed from the item as soon as the request ends (sent, refused or expired).
 */
import { z } from 'zod';
import { mailboxHash } from '../keys.js';

export const relayLimits = {
  subject: 150,
  message: 5000,
  studentName: 100,
} as const;

/** Text a sender may write: no control characters but line breaks and tabs (nothing can become a header). */
const senderText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine(
      // Matching control characters is the point of this expression.
      // eslint-disable-next-line no-control-regex
      (value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value),
      'Must not contain control characters',
    );

/** A single line (subject, name): line breaks are refused outright. */
const singleLine = (max: number) =>
  senderText(max).refine((value) => !/[\r\n]/.test(value), 'Must be a single line');

export const MemberContactSchema = z.object({
  subject: singleLine(relayLimits.subject).optional(),
  message: senderText(relayLimits.message),
});
export type MemberContact = z.infer<typeof MemberContactSchema>;

export const StudentContactSchema = MemberContactSchema.extend({
  name: singleLine(relayLimits.studentName),
  email: z.email('value is not a valid email address').max(254),
});
export type StudentContact = z.infer<typeof StudentContactSchema>;

const RELAY_OUTCOMES = ['sent', 'not-contactable', 'rate-limited', 'expired', 'failed'] as const;
const RELAY_LIMITS = ['sender-daily', 'recipient-daily', 'pair'] as const;

/** `failed`: the email could not be sent after retries (the limits it used were released). */
export type RelayOutcome = (typeof RELAY_OUTCOMES)[number];
export type RelayLimit = (typeof RELAY_LIMITS)[number];

/**
 * The relay request item, `RELAY#<relayId>` / `RELAY`, as stored at any time (a loose object: a read-modify-write
 * keeps attributes this schema does not name).
 */
export const StoredRelaySchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('relay'),
  relayId: z.string(),
  /**
   * The recipient's member id. Only while the request runs: closing it removes this and `senderMemberId`, so the
   * record kept for the retention period names no member id (ids are reused after an erasure).
   */
  recipientId: z.string().optional(),
  /**
   * The recipient's profile as limits, pair records and blocks know it (`memberRelayKey`), fixed when the request
   * is made. Absent on requests made before it existed, and when the id named no member.
   */
  recipientKey: z.string().optional(),
  senderKind: z.enum(['member', 'student']),
  /**
   * The sender as limits and blocks know it: a member's `memberRelayKey`, or for a student
   * `student:<sha256 of the mailbox>` (`normalizeEmail`; never the address itself).
   */
  senderKey: z.string(),
  /** Member senders only, while the request runs. */
  senderMemberId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Personal data, removed when the request ends. */
  subject: z.string().optional(),
  message: z.string().optional(),
  studentName: z.string().optional(),
  studentEmail: z.string().optional(),
  /** Student requests: the task token of the wait for the student's link (a credential). */
  verificationTaskToken: z.string().optional(),
  studentVerifiedAt: z.string().optional(),
  outcome: z.enum(RELAY_OUTCOMES).optional(),
  limit: z.enum(RELAY_LIMITS).optional(),
  /** Set (conditionally) just before the relayed email is sent: it is sent at most once. */
  sendClaimedAt: z.string().optional(),
  /** Set with the limit counters, in the same transaction: a retried reservation counts once. */
  quotaReservedAt: z.string().optional(),
  /** The UTC day whose counters the reservation used (for releasing them). */
  quotaDay: z.string().optional(),
  sentAt: z.string().optional(),
  reportedAt: z.string().optional(),
  /** TTL: the whole item goes after the retention period. */
  expiresAt: z.number(),
});
export type StoredRelay = z.infer<typeof StoredRelaySchema>;

/** A request that has not been closed yet: it still names its recipient's member id. */
export type RelayItem = StoredRelay & { recipientId: string };

/**
 * The parts of a member profile (`MEMBER#<id>` / `PROFILE`) the relay reads: who they are, whether they are active
 * and what they consent to. Parsed here rather than through `core/members` until that domain offers a parsed read.
 */
export const RelayMemberSchema = z.looseObject({
  id: z.string(),
  uid: z.string().optional(),
  status: z.string(),
  fullName: z.string(),
  email: z.string(),
  consent: z.record(z.string(), z.looseObject({ granted: z.boolean() })),
});
export type RelayMember = z.infer<typeof RelayMemberSchema>;

/** The execution input of `first-email-relay`, and its name: `relay-<relayId>`. */
export const RelayRequestSchema = z.object({ relayId: z.uuid() });

export const RelayResultSchema = z.object({
  outcome: z.enum(RELAY_OUTCOMES),
  limit: z.enum(RELAY_LIMITS).optional(),
});
export type RelayResult = z.infer<typeof RelayResultSchema>;

/**
 * A member as relay limits, pair records and blocks know them: their profile's never-reused `uid`, not their
 * member id, which an erasure frees for someone else to register (who must inherit none of it). Profiles made
 * before the `uid` existed keep their id (member ids contain no colon, so the two cannot meet).
 */
export function memberRelayKey(member: { id: string; uid?: string }): string {
  return member.uid ? `member:${member.uid}` : member.id;
}

/** The recipient's key of a request (its member id for requests made before `recipientKey` existed). */
export function recipientKeyOf(relay: { recipientKey?: string; recipientId: string }): string {
  return relay.recipientKey ?? relay.recipientId;
}

export function studentSenderKey(email: string): string {
  return `student:${mailboxHash(email)}`;
}

export function relayExecutionName(relayId: string): string {
  return `relay-${relayId}`;
}
