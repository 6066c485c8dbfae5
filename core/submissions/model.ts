/**
 * Submissions: corrections, stories and "message the editors" from members and anonymous visitors, each moderated
 * through the `submission-review` workflow. lumina's body shape (DESIGN 3.1) is kept for `message`; `show` and `bio`
 * (stubs in lumina) add their own validated fields.
 *
 * A submission is one item (`SUBMISSION#<id>` / `SUBMISSION`); its review (task token, claim, decision) is a second
 * item of the same partition (`REVIEW`), so reading or returning a submission can never carry the task token.
 */
import { z } from 'zod';
import { systemClock } from '../clock.js';
import { YearOfGraduationSchema } from '../members/model.js';
import { normalizeEmail } from '../keys.js';
import { plainText, singleLine } from '../text.js';

export const SUBMISSION_TYPES = ['message', 'show', 'bio'] as const;
export type SubmissionType = (typeof SUBMISSION_TYPES)[number];

/**
 * `received`: stored by the API, not yet taken up by its workflow (never listed); `pending`: awaiting a decision;
 * the other four are final.
 */
export const SUBMISSION_STATUSES = [
  'received',
  'pending',
  'approved',
  'rejected',
  'expired',
  'withdrawn',
] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
export const FINAL_STATUSES: readonly SubmissionStatus[] = ['approved', 'rejected', 'expired', 'withdrawn'];

export const submissionLimits = {
  targetType: 50,
  targetId: 200,
  targetName: 200,
  targetUrl: 2000,
  subject: 150,
  message: 5000,
  name: 100,
  reason: 1000,
  showField: 200,
  links: 5,
} as const;

const webUrl = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    // zod's `.url()` is deprecated on strings; its check is whether the WHATWG URL parser accepts the text.
    .refine((value) => URL.canParse(value), 'Must be a URL')
    .refine((value) => /^https?:\/\//i.test(value), 'Must be an http or https URL')
    // What `.url()` told the OpenAPI document.
    .meta({ format: 'uri' });

const currentYear = () => systemClock.now().getUTCFullYear();

/**
 * An optional field that may also be sent as `null` (lumina's `Optional[...]`): null means the same as leaving the
 * field out, so nothing is stored for it.
 */
export const nullAsAbsent = <T extends z.ZodType>(schema: T) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional();

/** An anonymous visitor's details (lumina's `submitter`); a signed-in member sends none. */
export const AnonymousSubmitterSchema = z.object({
  id: z.uuid('id must be a UUID'),
  name: singleLine(submissionLimits.name),
  yearOfGraduation: YearOfGraduationSchema.optional().transform((year) => year ?? null),
  email: nullAsAbsent(z.email('value is not a valid email address').max(254)),
});
export type AnonymousSubmitter = z.infer<typeof AnonymousSubmitterSchema>;

/** What every submission type has: lumina's target fields and text, plus the site it is for. */
const commonFields = {
  targetType: singleLine(submissionLimits.targetType),
  targetId: singleLine(submissionLimits.targetId).nullish(),
  targetName: singleLine(submissionLimits.targetName),
  targetUrl: webUrl(submissionLimits.targetUrl),
  subject: singleLine(submissionLimits.subject).nullish(),
  message: plainText(submissionLimits.message),
  /** The site whose moderators decide; the configured default when absent (checked against SITES by the API). */
  site: nullAsAbsent(z.string().regex(/^[a-z0-9-]{1,40}$/, 'Must be a site name')),
  /** lumina's `Optional[SubmitterRequest]`: `null` is no submitter. */
  submitter: nullAsAbsent(AnonymousSubmitterSchema),
};

export const ShowDetailsSchema = z.object({
  title: singleLine(submissionLimits.showField),
  year: z
    .number()
    .int()
    .min(1940, 'Year must be 1940 or later')
    .refine((year) => year <= currentYear() + 1, 'Year is too far in the future'),
  venue: nullAsAbsent(singleLine(submissionLimits.showField)),
  role: nullAsAbsent(singleLine(submissionLimits.showField)),
});

export const BioDetailsSchema = z.object({
  fullName: singleLine(submissionLimits.name),
  yearOfGraduation: YearOfGraduationSchema.optional().transform((year) => year ?? null),
  course: nullAsAbsent(singleLine(submissionLimits.showField)),
  links: nullAsAbsent(z.array(webUrl(submissionLimits.targetUrl)).max(submissionLimits.links)),
});

export const MessageSubmissionSchema = z.object(commonFields);
/** A story or correction about a show: which show, and optionally the writer's part in it. */
export const ShowSubmissionSchema = z.object({ ...commonFields, show: ShowDetailsSchema });
/** A biography for a person's page: `message` is the biography's text. */
export const BioSubmissionSchema = z.object({ ...commonFields, bio: BioDetailsSchema });

export const submissionSchemas = {
  message: MessageSubmissionSchema,
  show: ShowSubmissionSchema,
  bio: BioSubmissionSchema,
} as const;

export type MessageSubmission = z.infer<typeof MessageSubmissionSchema>;
export type ShowSubmission = z.infer<typeof ShowSubmissionSchema>;
export type BioSubmission = z.infer<typeof BioSubmissionSchema>;
export type SubmissionInput = MessageSubmission | ShowSubmission | BioSubmission;
export type ShowDetails = z.infer<typeof ShowDetailsSchema>;
export type BioDetails = z.infer<typeof BioDetailsSchema>;

/** A submitter as stored: who sent it, and (anonymous visitors only, if given) where to tell them the outcome. */
export const SubmitterSchema = z.looseObject({
  /** A member id when `verified`, otherwise the anonymous visitor's UUID (or a former member's pseudonym). */
  id: z.string(),
  verified: z.boolean(),
  name: z.string(),
  /** Anonymous visitors only, if they gave one: where the outcome is emailed. Never shown to anyone. */
  email: z.string().optional(),
});
export type Submitter = z.infer<typeof SubmitterSchema>;

/** Show details as stored (validated by `ShowDetailsSchema` when they came in). */
const StoredShowSchema = z.looseObject({
  title: z.string(),
  year: z.number(),
  venue: z.string().optional(),
  role: z.string().optional(),
});

/** Biography details as stored (validated by `BioDetailsSchema` when they came in). */
const StoredBioSchema = z.looseObject({
  fullName: z.string(),
  yearOfGraduation: z.number().nullable(),
  course: z.string().optional(),
  links: z.array(z.string()).optional(),
});

/**
 * The submission item, `SUBMISSION#<id>` / `SUBMISSION`. Read with this schema (never cast); loose, so a
 * read-modify-write keeps attributes it does not name.
 */
export const SubmissionItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('submission'),
  id: z.string(),
  type: z.enum(SUBMISSION_TYPES),
  site: z.string(),
  submitter: SubmitterSchema,
  /** An anonymous submitter's year of graduation (lumina's field); null for members. */
  yearOfGraduation: z.number().nullable(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  targetName: z.string(),
  targetUrl: z.string(),
  subject: z.string().nullable(),
  message: z.string(),
  show: StoredShowSchema.optional(),
  bio: StoredBioSchema.optional(),
  status: z.enum(SUBMISSION_STATUSES),
  /** The review execution's name (the submission id). */
  executionName: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  decidedAt: z.string().optional(),
  /** Staff id of the moderator who decided. */
  decidedBy: z.string().optional(),
  /** The moderator's reason (required when rejecting). */
  reason: z.string().optional(),
  /** Only while `received`: a submission whose workflow never started goes away by itself. */
  expiresAt: z.number().optional(),
  gsi1pk: z.string(),
  gsi1sk: z.string(),
  /** Moderation queue, once pending: `QUEUE#<site>#<status>` / `<createdAt>#<id>`. */
  gsi2pk: z.string().optional(),
  gsi2sk: z.string().optional(),
});
export type SubmissionItem = z.infer<typeof SubmissionItemSchema>;

export const DECISIONS = ['approve', 'reject'] as const;
export type Decision = (typeof DECISIONS)[number];
/** What ended the review: a moderator's decision, the last reminder round running out, or the submitter. */
export const REVIEW_OUTCOMES = ['approve', 'reject', 'expire', 'withdraw'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export const outcomeStatus: Record<ReviewOutcome, SubmissionStatus> = {
  approve: 'approved',
  reject: 'rejected',
  expire: 'expired',
  withdraw: 'withdrawn',
};

/** The review item, `SUBMISSION#<id>` / `REVIEW`: the waiting task token, the claim and the decision record. */
export const ReviewItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('submission-review'),
  submissionId: z.string(),
  site: z.string(),
  executionName: z.string(),
  /** The current round's task token: a credential, never logged nor returned. Absent between rounds. */
  taskToken: z.string().optional(),
  /** 0 for the first wait; each timeout starts a reminder round. */
  round: z.number(),
  claimedBy: z.string().optional(),
  claimedUntil: z.string().optional(),
  /** Recorded once (conditional write): whoever records it first decides the submission's final status. */
  outcome: z.enum(REVIEW_OUTCOMES).optional(),
  reason: z.string().optional(),
  /** Staff id, or `submitter` (withdrawal) or `workflow` (expiry). */
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

/** The full shape (DESIGN 3.1): for the submitter, staff with `network:read` and the site's moderators. */
export interface SubmissionView {
  id: string;
  type: SubmissionType;
  site: string;
  submitter: { id: string; verified: boolean; name: string };
  targetType: string;
  targetId: string | null;
  targetName: string;
  targetUrl: string;
  subject: string | null;
  message: string | null;
  show: ShowDetails | null;
  bio: BioDetails | null;
  status: Exclude<SubmissionStatus, 'received'>;
  createdAt: string;
  decidedAt: string | null;
  reason: string | null;
}

export function toSubmissionView(item: SubmissionItem, access: 'full' | 'public'): SubmissionView {
  const full = access === 'full';
  return {
    id: item.id,
    type: item.type,
    site: item.site,
    submitter: { id: item.submitter.id, verified: item.submitter.verified, name: item.submitter.name },
    targetType: item.targetType,
    targetId: item.targetId,
    targetName: item.targetName,
    targetUrl: item.targetUrl,
    subject: item.subject,
    // Anyone may list a member's approved submissions; only those with full access read what was written.
    message: full ? item.message : null,
    show: item.show ?? null,
    bio: full ? (item.bio ?? null) : null,
    // A received submission is shown as pending: to its submitter the difference is an implementation detail.
    status: item.status === 'received' ? 'pending' : item.status,
    createdAt: item.createdAt,
    decidedAt: item.decidedAt ?? null,
    reason: full ? (item.reason ?? null) : null,
  };
}

/** The review as moderators see it: never the task token. */
export interface ReviewView {
  round: number;
  claimedBy: string | null;
  claimedUntil: string | null;
  outcome: ReviewOutcome | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

export function toReviewView(review: ReviewItem | undefined): ReviewView {
  return {
    round: review?.round ?? 0,
    claimedBy: review?.claimedBy ?? null,
    claimedUntil: review?.claimedUntil ?? null,
    outcome: review?.outcome ?? null,
    decidedBy: review?.decidedBy ?? null,
    decidedAt: review?.decidedAt ?? null,
  };
}

/** The workflow's execution name: the submission id, so starting it twice is harmless. */
export const submissionExecutionName = (submissionId: string) => submissionId;

/**
 * Did this (anonymous) submission give `address`, as one mailbox (`normalizeEmail`)? The only proof that links an
 * anonymous submission to a member: its anonymous id is public, its address is not. Claims at activation, the
 * export and the erasure all ask this.
 */
export function gaveAddress(submission: Record<string, unknown>, address: string): boolean {
  const given = (submission.submitter as { email?: unknown } | undefined)?.email;
  return typeof given === 'string' && normalizeEmail(given) === normalizeEmail(address);
}
