/** OpenAPI shapes of submissions, shared by the submission and moderation routes. */
import { z } from '@hono/zod-openapi';
import { SUBMISSION_STATUSES, SUBMISSION_TYPES } from '../../core/submissions/model.js';

const nullableText = z.string().nullable();

export const SubmissionSchema = z
  .object({
    id: z.string().openapi({ example: '7d0c5f8e-2f0e-4a4b-9a53-0b7a1f3c2d11' }),
    type: z.enum(SUBMISSION_TYPES),
    site: z.string().openapi({ example: 'history' }),
    submitter: z.object({
      id: z.string().openapi({ description: 'Member id when verified, otherwise the anonymous id' }),
      verified: z.boolean(),
      name: z.string(),
    }),
    targetType: z.string().openapi({ example: 'person' }),
    targetId: nullableText,
    targetName: z.string(),
    targetUrl: z.string(),
    subject: nullableText,
    message: nullableText.openapi({ description: 'Null for callers who see approved submissions only' }),
    show: z
      .object({
        title: z.string(),
        year: z.number().int(),
        venue: z.string().optional(),
        role: z.string().optional(),
      })
      .nullable(),
    bio: z
      .object({
        fullName: z.string(),
        yearOfGraduation: z.number().int().nullable(),
        course: z.string().optional(),
        links: z.array(z.string()).optional(),
      })
      .nullable()
      .openapi({ description: 'Null for callers who see approved submissions only' }),
    status: z.enum(SUBMISSION_STATUSES.filter((status) => status !== 'received') as [string, ...string[]]),
    createdAt: z.string(),
    decidedAt: nullableText,
    reason: nullableText.openapi({ description: "The moderator's reason (rejections); null for the public" }),
  })
  .openapi('Submission');

export const ReviewSchema = z
  .object({
    round: z
      .number()
      .int()
      .openapi({ description: '0 for the first wait; each timeout starts a reminder round' }),
    claimedBy: nullableText.openapi({ description: 'Staff id holding the claim' }),
    claimedUntil: nullableText,
    outcome: z.enum(['approve', 'reject', 'expire', 'withdraw']).nullable(),
    decidedBy: nullableText.openapi({ description: 'Staff id, `submitter` or `workflow`' }),
    decidedAt: nullableText,
  })
  .openapi('SubmissionReview');

export const ModeratedSubmissionSchema = SubmissionSchema.extend({ review: ReviewSchema }).openapi(
  'ModeratedSubmission',
);
