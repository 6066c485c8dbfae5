/**
 * Submissions (lumina's `/submissions` routes): members and anonymous visitors send a message, a show story or a
 * biography, which the `submission-review` workflow puts before the site's moderators. Listing shows everything
 * (with status and full text) only to the submitter and to staff with `network:read` or `moderate` on the
 * submission's site; anyone else sees approved submissions only, without their text.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { camelizeKeys } from '../../core/case.js';
import { systemClock } from '../../core/clock.js';
import { InvalidCursorError } from '../../core/cursor.js';
import { DomainError } from '../../core/errors.js';
import { MemberIdSchema } from '../../core/members/model.js';
import { configuredSites } from '../../core/staff/model.js';
import { submissionMessages } from '../../core/submissions/errors.js';
import {
  submissionSchemas,
  toSubmissionView,
  type SubmissionInput,
  type SubmissionType,
} from '../../core/submissions/model.js';
import { countSubmitterSubmissions, listSubmitterSubmissions } from '../../core/submissions/repository.js';
import { submit, withdrawAsMember } from '../../core/submissions/review-requests.js';
import { seesInFull, visibilityFor, type Visibility } from '../../core/submissions/rules.js';
import { submissionSettings } from '../../core/submissions/settings.js';
import { authMessages, type AuthVariables } from '../auth/contract.js';
import { authenticate, optionalMember, requireMember } from '../auth/middleware.js';
import { authenticateMemberOrStaff, type StaffVariables } from '../auth/staff-middleware.js';
import { queryValueError, validationErrorHook } from '../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';
import { responseHeaders } from '../../core/response-headers.js';
import { SubmissionSchema } from './submission-shapes.js';

type SubmissionEnv = { Variables: AuthVariables & StaffVariables };

export const submitterMessages = {
  submitterRequired: 'You must either provide a submitter or authenticate as a member',
  submitterForbidden: 'You must not provide a submitter if you are authenticated',
  unknownSite: 'Unknown site',
  cannotWithdraw: submissionMessages.cannotWithdraw,
  invalidCursor: 'Invalid cursor',
  tooLarge: 'Request body too large',
} as const;

/** A 5,000-character text plus the other fields, escaped: room for that, not for more. */
const MAX_BODY_BYTES = 64 * 1024;
/**
 * The most a listing answers at once, and what it answers without `limit`. lumina answered every submission; 100 is
 * more than any member has made, and keeps the largest answer (100 full texts) well under API Gateway's 6 MB.
 */
const MAX_PAGE_SIZE = 100;

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ detail: submitterMessages.tooLarge }, 413),
});

// ------------------------------------------------------------------------------------------------ schemas

/** The site must be a configured one (read per request: SITES is a setting). */
function withKnownSite<T extends z.ZodType<{ site?: string | undefined }>>(schema: T) {
  return schema.superRefine((body, context) => {
    if (body.site !== undefined && !configuredSites().includes(body.site)) {
      context.addIssue({ code: 'custom', path: ['site'], message: submitterMessages.unknownSite });
    }
  });
}

const bodySchemas = {
  message: z.preprocess(camelizeKeys, withKnownSite(submissionSchemas.message)).openapi('MessageSubmission', {
    description:
      "lumina's message: a correction, a story or a note to the editors about a page. Plain text; `subject` and " +
      'names are one line. `site` defaults to the configured default site.',
  }),
  show: z.preprocess(camelizeKeys, withKnownSite(submissionSchemas.show)).openapi('ShowSubmission', {
    description: 'A story or correction about a show, with the show it is about (`show`).',
  }),
  bio: z.preprocess(camelizeKeys, withKnownSite(submissionSchemas.bio)).openapi('BioSubmission', {
    description: "A biography for a person's page: `message` is its text, `bio` who it is about.",
  }),
} as const;

const SubmitterParams = z.object({
  id: z.union([z.uuid(), MemberIdSchema]).openapi({
    param: { name: 'id', in: 'path' },
    example: 'fred_bloggs',
    description: 'Member id or anonymous id',
  }),
});
const SubmissionParams = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '7d0c5f8e-2f0e-4a4b-9a53-0b7a1f3c2d11' }),
});
const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ example: 25, description: `Page size (default and most: ${MAX_PAGE_SIZE})` }),
  cursor: z
    .string()
    .max(2000)
    .optional()
    .openapi({ description: `The \`${responseHeaders.nextCursor}\` of the previous page` }),
});
const CountSchema = z.object({ count: z.number().int() }).openapi('SubmissionCount');

const bearer = [{ bearerAuth: [] }];
const unauthorized = json(
  ErrorSchema,
  `${authMessages.required}, ${authMessages.invalid} or ${authMessages.memberGone}`,
);
const validation = json(ValidationErrorSchema, 'The request does not validate');
/** A staff user's valid session where a member's is expected: signed in, without the permission. */
const staffSession = json(
  ErrorSchema,
  `${authMessages.forbidden} (a staff session: signed in, but not as a member)`,
);

// ------------------------------------------------------------------------------------------------ routes

const submitRoute = (type: SubmissionType) =>
  createRoute({
    method: 'post',
    path: `/submissions/${type}`,
    tags: ['submissions'],
    summary: `Send a ${type === 'bio' ? 'biography' : type === 'show' ? 'show story' : 'message'}: starts the review workflow`,
    description:
      'A signed-in member sends no `submitter`; an anonymous visitor must send one (`email` is optional and only ' +
      'used to tell them the outcome, in a fixed text). Returns the submission, `pending` once the workflow has taken it up; the ' +
      "site's moderators are emailed.",
    security: [{}, ...bearer],
    middleware: [authenticate, limitBody] as const,
    request: { body: { required: true, content: { 'application/json': { schema: bodySchemas[type] } } } },
    responses: {
      200: json(SubmissionSchema, 'The stored submission'),
      401: unauthorized,
      403: staffSession,
      413: json(ErrorSchema, submitterMessages.tooLarge),
      422: json(
        z.union([ValidationErrorSchema, ErrorSchema]),
        `Invalid body; \`${submitterMessages.submitterRequired}\`; \`${submitterMessages.submitterForbidden}\``,
      ),
      429: json(ErrorSchema, `Anonymous only: \`${submissionMessages.anonymousLimit}\``),
      503: json(ErrorSchema, submissionMessages.unavailable),
    },
  });

const listRoute = createRoute({
  method: 'get',
  path: '/submissions/member/{id}',
  tags: ['submissions'],
  summary: 'Submissions of a member or anonymous id, newest first',
  description:
    'The member themself and staff with `network:read` (or `moderate` on a submission’s site) see every ' +
    'submission with its text; anyone else sees approved submissions only, with `message`, `bio` and `reason` null. ' +
    `The answer is a JSON array, as lumina's was: the newest ${MAX_PAGE_SIZE} (or \`limit\`). When there are ` +
    `more, \`${responseHeaders.nextCursor}\` holds the cursor to pass as \`cursor\` for the next page, and ` +
    `\`${responseHeaders.link}\` the same next page as a URL relative to the request's.`,
  security: [{}, ...bearer],
  middleware: [authenticateMemberOrStaff] as const,
  request: { params: SubmitterParams, query: PageQuery },
  responses: {
    200: {
      ...json(z.array(SubmissionSchema), 'Submissions, newest first'),
      headers: {
        [responseHeaders.nextCursor]: {
          description: 'Only when there are more: the `cursor` of the next page',
          schema: { type: 'string' },
        },
        [responseHeaders.link]: {
          description: 'Only when there are more: `<?limit=<limit>&cursor=<cursor>>; rel="next"` (RFC 8288)',
          schema: { type: 'string' },
        },
      },
    },
    401: unauthorized,
    422: validation,
  },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/submissions/member/{id}/stats',
  tags: ['submissions'],
  summary: 'How many submissions the caller may see for this member or anonymous id',
  security: [{}, ...bearer],
  middleware: [authenticateMemberOrStaff] as const,
  request: { params: SubmitterParams },
  responses: { 200: json(CountSchema, 'The count'), 401: unauthorized, 422: validation },
});

const withdrawRoute = createRoute({
  method: 'post',
  path: '/submissions/{id}/withdraw',
  tags: ['submissions'],
  summary: 'The submitting member withdraws a pending submission: its review stops',
  security: bearer,
  middleware: [authenticate] as const,
  request: { params: SubmissionParams },
  responses: {
    200: json(SubmissionSchema, 'Withdrawn'),
    401: unauthorized,
    403: json(
      ErrorSchema,
      `\`${submitterMessages.cannotWithdraw}\`, or \`${authMessages.forbidden}\` for a staff session`,
    ),
    404: json(ErrorSchema, submissionMessages.notFound),
    409: json(ErrorSchema, submissionMessages.notWithdrawable),
    422: validation,
  },
});

// ------------------------------------------------------------------------------------------------ helpers

/** What the caller sees of `submitterId`'s submissions (`visibilityFor` in the rules). */
function visibilityOf(c: Context<SubmissionEnv>, submitterId: string): Visibility {
  return visibilityFor(
    { memberId: c.get('auth')?.member.id, staffScopes: c.get('staff')?.scopes },
    submitterId,
    configuredSites(),
  );
}

// ------------------------------------------------------------------------------------------------ handlers

export function registerSubmissionRoutes(app: OpenAPIHono): void {
  const routes = new OpenAPIHono<SubmissionEnv>({ defaultHook: validationErrorHook });

  for (const type of ['message', 'show', 'bio'] as const) {
    routes.openapi(submitRoute(type), async (c) => {
      const body = c.req.valid('json') as SubmissionInput;
      const auth = optionalMember(c);
      if (auth && body.submitter) throw new DomainError('InvalidInput', submitterMessages.submitterForbidden);
      if (!auth && !body.submitter)
        throw new DomainError('InvalidInput', submitterMessages.submitterRequired);
      const submitter = auth
        ? { id: auth.member.id, verified: true, name: auth.member.fullName }
        : {
            id: body.submitter!.id,
            verified: false,
            name: body.submitter!.name,
            ...(body.submitter!.email ? { email: body.submitter!.email } : {}),
          };
      const submission = await submit(
        {
          type,
          site: body.site ?? submissionSettings().defaultSite,
          submitter,
          yearOfGraduation: auth ? null : (body.submitter!.yearOfGraduation ?? null),
          targetType: body.targetType,
          targetId: body.targetId ?? null,
          targetName: body.targetName,
          targetUrl: body.targetUrl,
          subject: body.subject ?? null,
          message: body.message,
          ...('show' in body ? { show: body.show } : {}),
          ...('bio' in body ? { bio: body.bio } : {}),
        },
        systemClock.now(),
      );
      return c.json(toSubmissionView(submission, 'full'), 200);
    });
  }

  routes.openapi(listRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { limit = MAX_PAGE_SIZE, cursor } = c.req.valid('query');
    const visibility = visibilityOf(c, id);
    try {
      const page = await listSubmitterSubmissions(id, { visibility, limit, ...(cursor ? { cursor } : {}) });
      if (page.cursor) {
        c.header(responseHeaders.nextCursor, page.cursor);
        const next = new URLSearchParams({ limit: String(limit), cursor: page.cursor });
        c.header(responseHeaders.link, `<?${next.toString()}>; rel="next"`);
      }
      return c.json(
        page.items.map((item) => toSubmissionView(item, seesInFull(visibility, item) ? 'full' : 'public')),
        200,
      );
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        return queryValueError(c, 'cursor', submitterMessages.invalidCursor);
      }
      throw error;
    }
  });

  routes.openapi(statsRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ count: await countSubmitterSubmissions(id, visibilityOf(c, id)) }, 200);
  });

  routes.openapi(withdrawRoute, async (c) => {
    const { member } = requireMember(c);
    const { id } = c.req.valid('param');
    const withdrawn = await withdrawAsMember(id, member.id, systemClock.now());
    return c.json(toSubmissionView(withdrawn, 'full'), 200);
  });

  app.route('/', routes);
}
