/**
 * lumina's `/auth` routes (session checks) and ours: redeem an emailed link, log out, log out everywhere, and the
 * page an emailed link opens when the configured site is this API (the local default).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { redeemLink } from '../../core/auth/redeem.js';
import { revokeAllSessions, revokeSession } from '../../core/auth/sessions.js';
import { camelizeKeys } from '../../core/case.js';
import { authMessages } from '../auth/contract.js';
import { authenticate, optionalMember, requireMember } from '../auth/middleware.js';
import { tokenActionPage } from '../pages.js';
import { ErrorSchema, ValidationErrorSchema } from '../openapi-shapes.js';

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});
const unauthorized = error(
  `\`${authMessages.required}\`, \`${authMessages.invalid}\` or \`${authMessages.memberGone}\``,
);
/** A staff user's valid session on a member route: signed in, without the permission. */
const staffSession = error(`\`${authMessages.forbidden}\` (a staff session: signed in, but not as a member)`);
const ok = {
  description: 'Done',
  content: { 'application/json': { schema: z.literal('OK') } },
};
const bearer = [{ bearerAuth: [] }];

const SessionCheckSchema = z
  .object({
    id: z.string().openapi({ example: 'fred_bloggs' }),
    expiresAt: z
      .string()
      .openapi({ description: 'ISO time the session ends', example: '2026-12-01T12:00:00.000Z' }),
  })
  .openapi('SessionCheck');

const OptionalSessionCheckSchema = z
  .object({ id: z.string().nullable(), expiresAt: z.string().nullable() })
  .openapi('OptionalSessionCheck');

// Snake_case keys are accepted too (lumina's sites send either); validated after camelizing.
const RedeemBodySchema = z.preprocess(
  camelizeKeys,
  z.object({ token: z.string().min(1).max(1024).openapi({ description: 'The token from an emailed link' }) }),
);

const RedeemResultSchema = z
  .object({
    sessionToken: z.string().openapi({ description: 'Send as `Authorization: Bearer <sessionToken>`' }),
    memberId: z.string().openapi({ example: 'fred_bloggs' }),
    expiresAt: z.string().openapi({ description: 'ISO time the session ends' }),
  })
  .openapi('Redemption');

const checkRequiredRoute = createRoute({
  method: 'get',
  path: '/auth/check/required',
  tags: ['auth'],
  summary: 'The calling member and when the session ends',
  security: bearer,
  middleware: [authenticate] as const,
  responses: {
    200: { description: 'Authenticated', content: { 'application/json': { schema: SessionCheckSchema } } },
    401: unauthorized,
    403: staffSession,
  },
});

const checkOptionalRoute = createRoute({
  method: 'get',
  path: '/auth/check/optional',
  tags: ['auth'],
  summary: 'The calling member, or nulls without a Bearer Authorization header',
  security: [...bearer, {}],
  middleware: [authenticate] as const,
  responses: {
    200: {
      description: 'Authenticated, or no Bearer Authorization header (none, or another scheme)',
      content: { 'application/json': { schema: OptionalSessionCheckSchema } },
    },
    401: unauthorized,
    403: staffSession,
  },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/auth/redeem',
  tags: ['auth'],
  summary: 'Redeems an emailed link (once) for a session token',
  description:
    'A registration link also confirms the email address and activates the member. Every link works once and ' +
    'for a limited time.',
  request: {
    body: { required: true, content: { 'application/json': { schema: RedeemBodySchema } } },
  },
  responses: {
    200: { description: 'A new session', content: { 'application/json': { schema: RedeemResultSchema } } },
    401: error('`Invalid or expired token`, `This link has already been used` or `This link has expired`'),
    422: { description: 'No token', content: { 'application/json': { schema: ValidationErrorSchema } } },
    503: error('The registration workflow did not activate the member in time; the link can be used again'),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags: ['auth'],
  summary: 'Ends the calling session',
  security: bearer,
  middleware: [authenticate] as const,
  responses: { 200: ok, 401: unauthorized, 403: staffSession },
});

const logoutAllRoute = createRoute({
  method: 'post',
  path: '/auth/logout-all',
  tags: ['auth'],
  summary: "Ends every one of the member's sessions (log out everywhere)",
  security: bearer,
  middleware: [authenticate] as const,
  responses: { 200: ok, 401: unauthorized, 403: staffSession },
});

const linkPageRoute = createRoute({
  method: 'get',
  path: '/auth',
  tags: ['auth'],
  summary: 'The page an emailed link opens: confirming (a POST) redeems the link, opening it does not',
  request: { query: z.object({ token: z.string().optional() }) },
  responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: z.string() } } } },
});

export function registerAuthRoutes(app: OpenAPIHono): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'A session token from `POST /auth/redeem` (or, for lumina-era sites, the emailed link token); staff use a ' +
      'staff session token. As on lumina: no valid session is 401; a valid session without the permission (a ' +
      "member's on a staff route, a staff user's on a member route) is 403 " +
      `\`${authMessages.forbidden}\`. A header of another scheme counts as none.`,
  });

  app.openapi(checkRequiredRoute, (c) => {
    const { member, expiresAt } = requireMember(c);
    return c.json({ id: member.id, expiresAt }, 200);
  });

  app.openapi(checkOptionalRoute, (c) => {
    const auth = optionalMember(c);
    return c.json({ id: auth?.member.id ?? null, expiresAt: auth?.expiresAt ?? null }, 200);
  });

  app.openapi(redeemRoute, async (c) => {
    const { token } = c.req.valid('json');
    const { sessionToken, memberId, expiresAt } = await redeemLink(token);
    return c.json({ sessionToken, memberId, expiresAt }, 200);
  });

  app.openapi(logoutRoute, async (c) => {
    const { member, sessionId } = requireMember(c);
    await revokeSession(member.id, sessionId);
    return c.json('OK' as const, 200);
  });

  app.openapi(logoutAllRoute, async (c) => {
    const { member } = requireMember(c);
    await revokeAllSessions(member.id);
    return c.json('OK' as const, 200);
  });

  app.openapi(linkPageRoute, (c) => c.html(linkPage.html, 200, linkPage.headers));
}

// The emailed link's page: only its Confirm button's POST redeems (relative URL, so it also works under an API
// Gateway stage); it keeps the session token in sessionStorage and shows the member and the session's end.
const linkPage = tokenActionPage({
  title: 'New Theatre alumni: confirm',
  prompt: 'Press Confirm to sign in.',
  button: 'Confirm',
  endpoint: 'auth/redeem',
  session: {
    storageKey: 'lumina.sessionToken',
    done: 'Confirmed. You are signed in.',
    details: [
      { label: 'Member', field: 'memberId' },
      { label: 'Signed in until', field: 'expiresAt', kind: 'date' },
    ],
  },
});
