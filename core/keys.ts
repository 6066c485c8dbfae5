/**
 * Every item key of the single table, in one place. Items also carry `entity`, `createdAt`/`updatedAt` and, for
 * things that expire, `expiresAt` (epoch seconds, the table's TTL attribute).
 *
 * member profile        MEMBER#<id>          PROFILE               gsi1: MEMBERS / <id> (active members only)
 * email uniqueness      EMAIL#<mailbox>      EMAIL                 (normalizeEmail; taken when the address is verified)
 * consent ledger entry  MEMBER#<id>          CONSENT#<at>#<name>   (append-only)
 * session               MEMBER#<id>          SESSION#<sessionId>
 * link token            LINK#<sha256>        LINK                  (the token itself is never stored)
 * submission            SUBMISSION#<id>      SUBMISSION            gsi1: SUBMITTER#<submitterId> / <createdAt>#<id>
 *                                                                 gsi2: QUEUE#<site>#<status> / <createdAt>#<id> (once pending)
 * submission review     SUBMISSION#<id>      REVIEW                (task token, claim, the one decision)
 * submission notice     SUBMISSION#<id>      NOTICE#<round>#<who>  (an email sent once: claimed before sending)
 * audit entry           AUDIT#<yyyy-mm>      <at>#<id>             (never personal data)
 * registration request  REGISTRATION#<id>    REQUEST               (what POST /member/{id} carried; deleted when done)
 * staff user            STAFF#<staffId>      PROFILE               gsi1: STAFF / <email>
 * staff email           STAFF-EMAIL#<email>  STAFF-EMAIL           (unique address per staff user)
 * staff permission      STAFF#<staffId>      PERMISSION#<scope>    e.g. PERMISSION#network#admin, PERMISSION#site#history#moderate
 * staff session         STAFF#<staffId>      SESSION#<sessionId>
 * staff sign-in request STAFF-SIGNIN#<id>    REQUEST               (the address asked for; deleted when done)
 * network admin count   STAFF-NETWORK-ADMINS COUNT                 (active network admins: the last one stays)
 * relay request         RELAY#<relayId>      RELAY                 (message and sender address only until sent)
 * relay limit counter   LIMIT#<scope>#<key>  <yyyy-mm-dd> or PAIR  (conditional counters, race-free)
 * sign-in allowance     LIMIT#SIGNIN#<who>   ALLOWANCE             (when it is whole again: refills gradually)
 * relay block           BLOCK#<recipientKey> <senderKey>           (a reported sender may not contact again)
 *   (a member's relay key is `member:<profile uid>`, never the reusable member id: see `memberRelayKey`)
 * notice allowance      LIMIT#NOTICE#<who>   <yyyy-mm-dd>          (emails a stranger can trigger, per recipient and day)
 * anonymous submissions LIMIT#ANONYMOUS-SUBMISSIONS#<site> <yyyy-mm-dd>
 */
import { createHash } from 'node:crypto';

/** A type, not an interface: it is then assignable to `core/db.ts`'s `Key` record. */
export type ItemKey = {
  pk: string;
  sk: string;
};

/** Providers that ignore dots in the local part, and the domain each is known by (googlemail.com is gmail.com). */
const DOT_BLIND_DOMAINS: Readonly<Record<string, string>> = {
  'gmail.com': 'gmail.com',
  'googlemail.com': 'gmail.com',
};

/**
 * The mailbox an address reaches: the one identity of an address for every key, limit, block and comparison
 * (member and staff uniqueness, a student sender's limits, pair rule and blocks, notice caps). Never used to deliver:
 * email goes to the address as it was given. The rules, the same for every domain unless said:
 * - trimmed and lower-cased whole (no mail system in use treats `Bob@` and `bob@` as different people);
 * - a `+tag` is removed from the local part (`s+1@x` is `s@x`): Gmail, Google Workspace, Microsoft 365, iCloud,
 *   Fastmail, Proton and the campus systems built on them deliver it to the same mailbox;
 * - dots are removed from the local part only at gmail.com and googlemail.com (Google Workspace, Microsoft 365 and
 *   university systems keep them: `jo.smith@` and `josmith@` can be two students);
 * - sub-domains are kept apart (`s@cs.uni.ac.uk` is not `s@uni.ac.uk`): they are separate mail systems, and an
 *   address there is not one a sender can invent for themself.
 */
export function normalizeEmail(email: string): string {
  const address = email.trim().toLowerCase();
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  let local = address.slice(0, at);
  let domain = address.slice(at + 1);
  const plus = local.indexOf('+');
  // A local part that is only a tag (`+x@`) keeps it: nothing would be left.
  if (plus > 0) local = local.slice(0, plus);
  const dotBlind = DOT_BLIND_DOMAINS[domain];
  if (dotBlind !== undefined) {
    domain = dotBlind;
    local = local.replace(/\./g, '') || local;
  }
  return `${local}@${domain}`;
}

/** The SHA-256 of an address's mailbox: keys that must not hold the address itself (limits, sender keys). */
export function mailboxHash(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('hex');
}

export const keys = {
  member: (memberId: string): ItemKey => ({ pk: `MEMBER#${memberId}`, sk: 'PROFILE' }),
  /** Partition key of everything stored under a member (profile, consent ledger, sessions). */
  memberPartition: (memberId: string): string => `MEMBER#${memberId}`,
  memberEmail: (email: string): ItemKey => ({ pk: `EMAIL#${normalizeEmail(email)}`, sk: 'EMAIL' }),
  consentEntry: (memberId: string, at: string, consent: string): ItemKey => ({
    pk: `MEMBER#${memberId}`,
    sk: `CONSENT#${at}#${consent}`,
  }),
  consentPrefix: 'CONSENT#',
  session: (memberId: string, sessionId: string): ItemKey => ({
    pk: `MEMBER#${memberId}`,
    sk: `SESSION#${sessionId}`,
  }),
  sessionPrefix: 'SESSION#',
  link: (tokenHash: string): ItemKey => ({ pk: `LINK#${tokenHash}`, sk: 'LINK' }),
  submission: (submissionId: string): ItemKey => ({ pk: `SUBMISSION#${submissionId}`, sk: 'SUBMISSION' }),
  submissionReview: (submissionId: string): ItemKey => ({ pk: `SUBMISSION#${submissionId}`, sk: 'REVIEW' }),
  /** One email about a submission: to a staff user in a review round (`<round>#<staffId>`), or `submitter`. */
  submissionNotice: (submissionId: string, notice: string): ItemKey => ({
    pk: `SUBMISSION#${submissionId}`,
    sk: `NOTICE#${notice}`,
  }),
  audit: (at: string, id: string): ItemKey => ({ pk: `AUDIT#${at.slice(0, 7)}`, sk: `${at}#${id}` }),
  registrationRequest: (requestId: string): ItemKey => ({ pk: `REGISTRATION#${requestId}`, sk: 'REQUEST' }),
  staff: (staffId: string): ItemKey => ({ pk: `STAFF#${staffId}`, sk: 'PROFILE' }),
  staffPartition: (staffId: string): string => `STAFF#${staffId}`,
  staffEmail: (email: string): ItemKey => ({ pk: `STAFF-EMAIL#${normalizeEmail(email)}`, sk: 'STAFF-EMAIL' }),
  staffPermission: (staffId: string, scope: string): ItemKey => ({
    pk: `STAFF#${staffId}`,
    sk: `PERMISSION#${scope.replace(/:/g, '#')}`,
  }),
  staffPermissionPrefix: 'PERMISSION#',
  staffSession: (staffId: string, sessionId: string): ItemKey => ({
    pk: `STAFF#${staffId}`,
    sk: `SESSION#${sessionId}`,
  }),
  /** A `POST /staff/login` request for the `staff-sign-in` workflow (the address it named; deleted when done). */
  staffSignInRequest: (requestId: string): ItemKey => ({ pk: `STAFF-SIGNIN#${requestId}`, sk: 'REQUEST' }),
  /** The number of active network admins, kept with every grant and removal so the last one cannot be removed. */
  staffNetworkAdminCount: (): ItemKey => ({ pk: 'STAFF-NETWORK-ADMINS', sk: 'COUNT' }),
  staffSessionPrefix: 'SESSION#',
  relay: (relayId: string): ItemKey => ({ pk: `RELAY#${relayId}`, sk: 'RELAY' }),
  /** First emails sent by a sender on a UTC day. */
  senderDailyLimit: (senderKey: string, day: string): ItemKey => ({
    pk: `LIMIT#SENDER#${senderKey}`,
    sk: day,
  }),
  /** First emails received by a member on a UTC day. */
  recipientDailyLimit: (recipientId: string, day: string): ItemKey => ({
    pk: `LIMIT#RECIPIENT#${recipientId}`,
    sk: day,
  }),
  /** One first email per sender and recipient, ever. */
  pairLimit: (senderKey: string, recipientId: string): ItemKey => ({
    pk: `LIMIT#PAIR#${senderKey}`,
    sk: recipientId,
  }),
  /** Confirmation emails sent to a student address on a UTC day (before any confirmation, nothing else limits them). */
  studentRequestLimit: (senderKey: string, day: string): ItemKey => ({
    pk: `LIMIT#STUDENT#${senderKey}`,
    sk: day,
  }),
  /** The sign-in email allowance of a member or staff user (`MEMBER#id` / `STAFF#id` as the principal). */
  signInAllowance: (principal: string): ItemKey => ({
    pk: `LIMIT#SIGNIN#${principal}`,
    sk: 'ALLOWANCE',
  }),
  /**
   * Emails about something a stranger did, to one recipient on a UTC day: `REGISTRATION#<mailboxHash>` (someone
   * tried to register their address), `STAFF#<staffId>` (moderation notices).
   */
  noticeLimit: (recipient: string, day: string): ItemKey => ({
    pk: `LIMIT#NOTICE#${recipient}`,
    sk: day,
  }),
  /** Anonymous submissions to a site on a UTC day (each one emails the site's moderators). */
  anonymousSubmissionLimit: (site: string, day: string): ItemKey => ({
    pk: `LIMIT#ANONYMOUS-SUBMISSIONS#${site}`,
    sk: day,
  }),
  relayBlock: (recipientId: string, senderKey: string): ItemKey => ({
    pk: `BLOCK#${recipientId}`,
    sk: senderKey,
  }),
} as const;

/** Secondary index entries. */
export const indexKeys = {
  /** Active members, listed by id (GET /member). */
  activeMember: (memberId: string) => ({ gsi1pk: 'MEMBERS', gsi1sk: memberId }),
  /** A submitter's submissions, oldest first by creation time. */
  submitterSubmission: (submitterId: string, createdAt: string, submissionId: string) => ({
    gsi1pk: `SUBMITTER#${submitterId}`,
    gsi1sk: `${createdAt}#${submissionId}`,
  }),
  submitterPartition: (submitterId: string) => `SUBMITTER#${submitterId}`,
  /** A site's submissions in one status, oldest first (the moderation queue). */
  moderationQueue: (site: string, status: string, createdAt: string, submissionId: string) => ({
    gsi2pk: `QUEUE#${site}#${status}`,
    gsi2sk: `${createdAt}#${submissionId}`,
  }),
  moderationQueuePartition: (site: string, status: string) => `QUEUE#${site}#${status}`,
  /** Staff users, listed by address. */
  staffUser: (email: string) => ({ gsi1pk: 'STAFF', gsi1sk: normalizeEmail(email) }),
} as const;

export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
