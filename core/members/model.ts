/**
 * Members: the stored item, lumina's response shapes, and the validation of what a registration carries. Shared by
 * the API (which validates first, for a 422) and the registration workflow's tasks (which validate again, because
 * a workflow can be started by anything holding the permission).
 */
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { singleLine } from '../text.js';

export const CONSENT_NAMES = ['consentNews', 'consentNetwork', 'consentMembers', 'consentStudents'] as const;
export type ConsentName = (typeof CONSENT_NAMES)[number];

/** lumina's member ids: `fred_bloggs`; lower case, digits, `_` and `-`. */
export const MemberIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'Member id must be 1-64 lower-case letters, digits, "_" or "-"');

/** The id an erased member's submissions are filed under (`core/members/account.ts`): never a member's id. */
export const FORMER_MEMBER_PREFIX = 'former-member-';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * An id someone may register: a member id outside the namespaces the system files submissions under by itself.
 * Erasure's pseudonyms (`former-member-<uuid>`) and anonymous submitters' ids (UUIDs) are submitter ids too, so
 * registering one would make its submissions (text, moderators' reasons, withdrawal) that member's.
 */
export const RegistrableMemberIdSchema = MemberIdSchema.refine(
  (id) => !id.startsWith(FORMER_MEMBER_PREFIX),
  `Member id must not start with "${FORMER_MEMBER_PREFIX}"`,
).refine((id) => !UUID_PATTERN.test(id), 'Member id must not be a UUID');

export const ConsentSchema = z.object({
  consentNews: z.boolean(),
  consentNetwork: z.boolean(),
  consentMembers: z.boolean(),
  consentStudents: z.boolean(),
});
export type Consent = z.infer<typeof ConsentSchema>;

const currentYear = () => systemClock.now().getUTCFullYear();

/** lumina accepted `"1980"` as well as `1980`; both become an integer. */
export const YearOfGraduationSchema = z
  .union([z.number(), z.string().regex(/^\d{4}$/, 'Year of graduation must be a four-digit year')])
  .transform((value) => Number(value))
  .pipe(
    z
      .number()
      .int()
      .min(1940, 'Year of graduation must be 1940 or later')
      .refine((year) => year <= currentYear() + 10, 'Year of graduation is too far in the future'),
  )
  .nullable();

export const limits = {
  fullName: 100,
  email: 254,
  phone: 30,
} as const;

export const RegistrationSchema = z.object({
  anonymousId: z.uuid('anonymousId must be a UUID'),
  fullName: singleLine(limits.fullName),
  email: z.email('value is not a valid email address').max(limits.email),
  yearOfGraduation: YearOfGraduationSchema.optional().transform((year) => year ?? null),
  consent: ConsentSchema,
});
export type Registration = z.infer<typeof RegistrationSchema>;

/** Input of the registration workflow, as the API starts it (deterministic: no timestamps, so retries dedupe). */
export const RegistrationRequestSchema = z.object({
  memberId: RegistrableMemberIdSchema,
  registration: RegistrationSchema,
});
export type RegistrationRequest = z.infer<typeof RegistrationRequestSchema>;

export const MemberStatusSchema = z.enum(['pending', 'active']);
export type MemberStatus = z.infer<typeof MemberStatusSchema>;

/** One consent's current value and since when it has held it (the original grant date survives updates). */
export const ConsentStateSchema = z.looseObject({ granted: z.boolean(), since: z.string() });
export type ConsentState = z.infer<typeof ConsentStateSchema>;

/**
 * The profile item, `MEMBER#<id>` / `PROFILE`. Loose: a read-modify-write keeps attributes this schema does not
 * name (`welcomeEmailSentAt`, say). Reads are parsed with it (`core/members/repository.ts`), never cast.
 */
export const MemberItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('member'),
  id: z.string(),
  /**
   * This profile's own identity, a random UUID given when the registration is reserved and never reused: links,
   * sessions and relay records are bound to it, so none of them passes to whoever registers the same id after an
   * erasure. Never shown. Absent only on profiles written before it existed.
   */
  uid: z.string().optional(),
  status: MemberStatusSchema,
  fullName: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  yearOfGraduation: z.number().nullable(),
  consent: z.record(z.enum(CONSENT_NAMES), ConsentStateSchema),
  anonymousIds: z.array(z.string()),
  /** When the registration was reserved. */
  registeredAt: z.string(),
  /** When the member became active (for a pending member: when it was reserved). */
  createdAt: z.string(),
  updatedAt: z.string(),
  emailVerifiedAt: z.string().nullable(),
  /** Pending only: the registration execution's name and its verification task token (a credential). */
  registrationExecution: z.string().optional(),
  verificationTaskToken: z.string().optional(),
  /** Pending only: when the registration's wait for its link ends. */
  verificationValidUntil: z.string().optional(),
  /** The hash of the one verification link that works (kept after activation, so an earlier one never does). */
  verificationLinkHash: z.string().optional(),
  /** When the welcome email was claimed (sent once). */
  welcomeEmailSentAt: z.string().optional(),
  /** Pending only: TTL, a safety net should the workflow's own clean-up never run. */
  expiresAt: z.number().optional(),
  gsi1pk: z.string().optional(),
  gsi1sk: z.string().optional(),
});
export type MemberItem = z.infer<typeof MemberItemSchema>;

/** The address reservation, `EMAIL#<mailbox>` / `EMAIL`: taken when a registration is verified. */
export const MemberEmailItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  memberId: z.string().optional(),
  memberUid: z.string().optional(),
  registrationExecution: z.string().optional(),
});
export type MemberEmailItem = z.infer<typeof MemberEmailItemSchema>;

/** lumina's private member shape. */
export interface PrivateMember {
  id: string;
  createdAt: string | null;
  email: string;
  emailVerified: boolean;
  emailVerifiedAt: string | null;
  phone: string | null;
  yearOfGraduation: number | null;
  consent: Consent;
  anonymousIds: string[];
  isAdmin: boolean;
}

/** `isAdmin`: whether the member's address is an active network admin's (see `core/staff/network-admins.ts`). */
export function toPrivateMember(item: MemberItem, isAdmin: boolean): PrivateMember {
  return {
    id: item.id,
    createdAt: item.status === 'active' ? item.createdAt : null,
    email: item.email,
    emailVerified: item.emailVerifiedAt !== null,
    emailVerifiedAt: item.emailVerifiedAt,
    phone: item.phone,
    yearOfGraduation: item.yearOfGraduation,
    consent: currentConsent(item.consent),
    anonymousIds: item.anonymousIds,
    isAdmin,
  };
}

export function currentConsent(consent: Record<ConsentName, ConsentState>): Consent {
  return Object.fromEntries(CONSENT_NAMES.map((name) => [name, consent[name]?.granted ?? false])) as Consent;
}

/** `fred@bloggs.com` → `fr***@bl***.com`; `alice.bloggs@gmail.co.uk` → `al***@gm***.uk` (lumina's masking). */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  const domainParts = domain.split('.');
  const tld = domainParts.length > 1 ? domainParts.at(-1) : '';
  return `${local.slice(0, 2)}***@${(domainParts[0] ?? '').slice(0, 2)}***${tld ? `.${tld}` : ''}`;
}
