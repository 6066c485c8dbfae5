/**
 * Moderation (`/moderation`): staff read a site's queue and its submissions, claim one while they look at it, and
 * approve or reject it. Reading needs `moderate` or `admin` on the site, or a network permission; claiming and
 * deciding need `moderate` on the site. A decision is recorded once and resumes the waiting review workflow.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { camelizeKeys } from '../../core/case.js';
import { systemClock } from '../../core/clock.js';
import { InvalidCursorError } from '../../core/cursor.js';
import { DomainError } from '../../core/errors.js';
import { configuredSites, type Scope } from '../../core/staff/model.js';
import { canModerate, canReadSubmissions } from '../../core/staff/rules.js';
import { SubmissionNotFound, submissionMessages } from '../../core/submissions/errors.js';
import {
  DECISIONS,
  SUBMISSION_STATUSES,
  submissionLimits,
  toReviewView,
  toSubmissionView,
  type SubmissionItem,
  type SubmissionStatus,
} from '../../core/submissions/model.js';
import { getReview, getSubmission, moderationQueue } from '../../core/submissions/repository.js';
import { claim, decide } from '../../core/submissions/review-requests.js';
import { plainText } from '../../core/text.js';
import { authMessages } from '../auth/contract.js';
import {
  authenticateStaff,
  requireStaff,
  staffOnly,
  type AuthenticatedStaff,
  type StaffVariables,
} from '../auth/staff-middleware.js';
import { queryValueError, validationErrorHook } from '../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';
import { moderationPage } from '../moderation-page.js';
import { ModeratedSubmissionSchema, ReviewSchema, SubmissionSchema } from './submission-shapes.js';

type ModerationEnv = { Variables: StaffVariables };

export const moderationMessages = {
  unknownSite: 'Unknown site',
  invalidCursor: 'Invalid cursor',
  tooLarge: 'Request body too large',
} as const;

const DEFAULT_PAGE_SIZE = 25;
const MAX_BODY_BYTES = 8 * 1024;

// ------------------------------------------------------------------------------------------------ schemas

const bearer = [{ bearerAuth: [] }];
const unauthorized = json(ErrorSchema, `${authMessages.required} or ${authMessages.invalid}`);
const forbidden = json(ErrorSchema, authMessages.forbidden);
const notFound = json(ErrorSchema, submissionMessages.notFound);
const validation = json(ValidationErrorSchema, 'The request does not validate');

const QueueQuery = z.object({
  site: z.string().openapi({ example: 'history', description: 'A configured site' }),
  status: z
    .enum(
      SUBMISSION_STATUSES.filter((status) => status !== 'received') as [
        SubmissionStatus,
        ...SubmissionStatus[],
      ],
    )
    .optional()
    .openapi({ description: 'Default `pending`' }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ example: DEFAULT_PAGE_SIZE }),
  cursor: z.string().max(2000).optional(),
});

const SubmissionParams = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '7d0c5f8e-2f0e-4a4b-9a53-0b7a1f3c2d11' }),
});

const QueuePageSchema = z
  .object({ items: z.array(SubmissionSchema), cursor: z.string().nullable() })
  .openapi('ModerationQueuePage');

const DecisionBodySchema = z
  .preprocess(
    camelizeKeys,
    z
      .object({
        decision: z.enum(DECISIONS),
        reason: plainText(submissionLimits.reason).optional(),
      })
      .superRefine((body, context) => {
        if (body.decision === 'reject' && !body.reason) {
          context.addIssue({ code: 'custom', path: ['reason'], message: submissionMessages.reasonRequired });
        }
      }),
  )
  .openapi('ModerationDecision', {
    description: '`reason` is required to reject (the submitter is told it) and optional to approve.',
  });

const ClaimSchema = z.object({ review: ReviewSchema }).openapi('ModerationClaim');

const decisionConflicts = [
  submissionMessages.decided,
  submissionMessages.expired,
  submissionMessages.withdrawn,
  submissionMessages.claimed,
  submissionMessages.notPending,
]
  .map((message) => `\`${message}\``)
  .join(', ');

// ------------------------------------------------------------------------------------------------ routes

const queueRoute = createRoute({
  method: 'get',
  path: '/moderation/queue',
  tags: ['moderation'],
  summary: "A site's submissions in one status (default pending), oldest first",
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { query: QueueQuery },
  responses: {
    200: json(QueuePageSchema, 'A page; pass `cursor` back for the next'),
    401: unauthorized,
    403: forbidden,
    422: validation,
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/moderation/submissions/{id}',
  tags: ['moderation'],
  summary: 'One submission with its review (claim, round, decision)',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { params: SubmissionParams },
  responses: {
    200: json(ModeratedSubmissionSchema, 'The submission'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    422: validation,
  },
});

const claimRoute = createRoute({
  method: 'post',
  path: '/moderation/submissions/{id}/claim',
  tags: ['moderation'],
  summary: 'Claim a pending submission while deciding it (others cannot decide until the claim expires)',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { params: SubmissionParams },
  responses: {
    200: json(ClaimSchema, 'Claimed (or the claim renewed)'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: json(ErrorSchema, `\`${submissionMessages.claimed}\` or \`${submissionMessages.decided}\``),
    422: validation,
  },
});

const decisionRoute = createRoute({
  method: 'post',
  path: '/moderation/submissions/{id}/decision',
  tags: ['moderation'],
  summary: 'Approve or reject: recorded once, then the review workflow goes on',
  description:
    'Answers with the submission, normally already in its final status. The same moderator sending the same ' +
    'decision again is answered the same way (it resumes the workflow again if that had failed).',
  security: bearer,
  middleware: [
    authenticateStaff,
    staffOnly,
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ detail: moderationMessages.tooLarge }, 413),
    }),
  ] as const,
  request: {
    params: SubmissionParams,
    body: { required: true, content: { 'application/json': { schema: DecisionBodySchema } } },
  },
  responses: {
    200: json(ModeratedSubmissionSchema, 'Decided'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: json(ErrorSchema, decisionConflicts),
    413: json(ErrorSchema, moderationMessages.tooLarge),
    422: validation,
    503: json(ErrorSchema, `\`${submissionMessages.resumeFailed}\` or \`${submissionMessages.busy}\``),
  },
});

const pageRoute = createRoute({
  method: 'get',
  path: '/moderation',
  tags: ['moderation'],
  summary: 'The moderation page for staff: the queue, one submission (`?submission=<id>`), approve or reject',
  description: 'Opening it changes nothing: only its buttons (POST requests with the staff session) act.',
  request: { query: z.object({ submission: z.string().optional() }) },
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
});

// ------------------------------------------------------------------------------------------------ handlers

/** The submission if it exists (and has been taken up) and `allowed` holds for its site: 404, then 403. */
async function submissionFor(
  actor: AuthenticatedStaff,
  submissionId: string,
  allowed: (scopes: readonly Scope[], site: string) => boolean,
): Promise<SubmissionItem> {
  const submission = await getSubmission(submissionId);
  if (!submission || submission.status === 'received') throw new SubmissionNotFound();
  if (!allowed(actor.scopes, submission.site)) throw new DomainError('Forbidden', authMessages.forbidden);
  return submission;
}

export function registerModerationRoutes(app: OpenAPIHono): void {
  const routes = new OpenAPIHono<ModerationEnv>({ defaultHook: validationErrorHook });

  routes.openapi(pageRoute, (c) => c.html(moderationPage.html, 200, moderationPage.headers));

  routes.openapi(queueRoute, async (c) => {
    const actor = requireStaff(c);
    const { site, status = 'pending', limit = DEFAULT_PAGE_SIZE, cursor } = c.req.valid('query');
    if (!configuredSites().includes(site)) {
      return queryValueError(c, 'site', moderationMessages.unknownSite);
    }
    if (!canReadSubmissions(actor.scopes, site)) throw new DomainError('Forbidden', authMessages.forbidden);
    try {
      const page = await moderationQueue(site, status, { limit, ...(cursor ? { cursor } : {}) });
      return c.json(
        { items: page.items.map((item) => toSubmissionView(item, 'full')), cursor: page.cursor },
        200,
      );
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        return queryValueError(c, 'cursor', moderationMessages.invalidCursor);
      }
      throw error;
    }
  });

  routes.openapi(getRoute, async (c) => {
    const actor = requireStaff(c);
    const submission = await submissionFor(actor, c.req.valid('param').id, canReadSubmissions);
    const review = await getReview(submission.id);
    return c.json({ ...toSubmissionView(submission, 'full'), review: toReviewView(review) }, 200);
  });

  routes.openapi(claimRoute, async (c) => {
    const actor = requireStaff(c);
    const submission = await submissionFor(actor, c.req.valid('param').id, canModerate);
    const review = await claim({
      submissionId: submission.id,
      staffId: actor.staff.id,
      now: systemClock.now(),
    });
    return c.json({ review: toReviewView(review) }, 200);
  });

  routes.openapi(decisionRoute, async (c) => {
    const actor = requireStaff(c);
    const submission = await submissionFor(actor, c.req.valid('param').id, canModerate);
    const { decision, reason } = c.req.valid('json');
    const decided = await decide({
      submissionId: submission.id,
      staffId: actor.staff.id,
      decision,
      reason: reason ?? null,
      now: systemClock.now(),
    });
    const review = await getReview(submission.id);
    return c.json({ ...toSubmissionView(decided, 'full'), review: toReviewView(review) }, 200);
  });

  app.route('/', routes);
}
