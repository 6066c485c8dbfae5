/**
 * Staff links (`/staff/login`, `/staff/signin`, `/staff/redeem`, `/staff/accept`): asking for a sign-in link, and
 * the pages and endpoints that redeem a sign-in or invitation link for a staff session. Opening a link's page does
 * nothing; pressing its button (a POST) redeems the link.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { redeemStaffLink } from '../../../core/auth/staff-links.js';
import { camelizeKeys } from '../../../core/case.js';
import { systemClock } from '../../../core/clock.js';
import { requestStaffSignIn } from '../../../core/staff/service.js';
import { STAFF_TOKEN_KEY } from '../../moderation-page.js';
import { ErrorSchema, json } from '../../openapi-shapes.js';
import { tokenActionPage, type SessionResult } from '../../pages.js';
import {
  OkSchema,
  StaffSessionSchema,
  bodyErrors,
  limitBody,
  linkErrors,
  type StaffApp,
  type StaffRegistrar,
} from './shared.js';

const LoginBodySchema = z
  .preprocess(camelizeKeys, z.object({ email: z.email().max(254) }))
  .openapi('StaffLogin');

const TokenBodySchema = z.preprocess(
  camelizeKeys,
  z.object({ token: z.string().min(1).max(1024).openapi({ description: 'The token from an emailed link' }) }),
);

const html = { description: 'HTML page', content: { 'text/html': { schema: z.string() } } };
const tokenQuery = z.object({ token: z.string().optional() });

const loginRoute = createRoute({
  method: 'post',
  path: '/staff/login',
  tags: ['staff'],
  summary: 'Emails a sign-in link (valid 1 hour, single use) to an active staff user',
  description:
    'Always `"OK"`, whether or not the address belongs to a staff user: nobody can probe addresses.',
  middleware: [limitBody] as const,
  request: { body: { required: true, content: { 'application/json': { schema: LoginBodySchema } } } },
  responses: {
    200: json(OkSchema, 'Done (a link is sent if the address is an active staff user)'),
    ...bodyErrors,
  },
});

const signinPageRoute = createRoute({
  method: 'get',
  path: '/staff/signin',
  tags: ['staff'],
  summary:
    "The page a staff sign-in link opens: pressing Sign in (a POST) redeems the link, opening it doesn't",
  request: { query: tokenQuery },
  responses: { 200: html },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/staff/redeem',
  tags: ['staff'],
  summary: 'Redeems a staff sign-in link (once) for a staff session',
  middleware: [limitBody] as const,
  request: { body: { required: true, content: { 'application/json': { schema: TokenBodySchema } } } },
  responses: { 200: json(StaffSessionSchema, 'A new staff session'), 401: linkErrors, ...bodyErrors },
});

const acceptPageRoute = createRoute({
  method: 'get',
  path: '/staff/accept',
  tags: ['staff'],
  summary: "The page an invitation link opens: pressing Accept (a POST) accepts, opening it doesn't",
  request: { query: tokenQuery },
  responses: { 200: html },
});

const acceptRoute = createRoute({
  method: 'post',
  path: '/staff/accept',
  tags: ['staff'],
  summary: 'Accepts an invitation (once): the invitation workflow activates the user, who is signed in',
  middleware: [limitBody] as const,
  request: { body: { required: true, content: { 'application/json': { schema: TokenBodySchema } } } },
  responses: {
    200: json(StaffSessionSchema, 'Accepted; a new staff session'),
    401: linkErrors,
    503: json(ErrorSchema, 'The workflow did not activate the user in time; the link can be used again'),
    ...bodyErrors,
  },
});

/** Each route's registration, by name: `../staff.ts` registers them in the API's order. */
export const staffLinkRoutes = {
  login: (staff: StaffApp) =>
    staff.openapi(loginRoute, async (c) => {
      // The lookup and the email happen in the staff-sign-in workflow: this answer is the same work for any
      // address.
      await requestStaffSignIn(c.req.valid('json').email, systemClock.now());
      return c.json('OK' as const, 200);
    }),

  signinPage: (staff: StaffApp) =>
    staff.openapi(signinPageRoute, (c) => c.html(signinPage.html, 200, signinPage.headers)),

  redeem: (staff: StaffApp) =>
    staff.openapi(redeemRoute, async (c) => {
      const { sessionToken, staffId, expiresAt, scopes } = await redeemStaffLink(
        c.req.valid('json').token,
        'staff-login',
        systemClock.now(),
      );
      return c.json({ sessionToken, staffId, expiresAt, scopes }, 200);
    }),

  acceptPage: (staff: StaffApp) =>
    staff.openapi(acceptPageRoute, (c) => c.html(acceptPage.html, 200, acceptPage.headers)),

  accept: (staff: StaffApp) =>
    staff.openapi(acceptRoute, async (c) => {
      const { sessionToken, staffId, expiresAt, scopes } = await redeemStaffLink(
        c.req.valid('json').token,
        'staff-invite',
        systemClock.now(),
      );
      return c.json({ sessionToken, staffId, expiresAt, scopes }, 200);
    }),
} satisfies Record<string, StaffRegistrar>;

// ------------------------------------------------------------------------------------------------ pages

// Staff sessions are kept in localStorage, shared by the origin's tabs: staff open the emailed moderation links
// (`/moderation?submission=...`) in new tabs, where a sessionStorage token would be missing. The link back goes up
// from `/staff/...` to `/moderation` (relative, so it also works under an API Gateway stage).
const staffSession = (done: string): SessionResult => ({
  storageKey: STAFF_TOKEN_KEY,
  storage: 'local',
  next: { label: 'Open the moderation page', href: '../moderation' },
  done,
  details: [
    { label: 'Staff user', field: 'staffId' },
    { label: 'Permissions', field: 'scopes', kind: 'list' },
    { label: 'Signed in until', field: 'expiresAt', kind: 'date' },
  ],
});

// Relative URLs, so the pages also work under an API Gateway stage: `/staff/signin` POSTs to `/staff/redeem`.
const signinPage = tokenActionPage({
  title: 'New Theatre alumni staff: sign in',
  prompt: 'Press Sign in to sign in as staff.',
  button: 'Sign in',
  endpoint: 'redeem',
  session: staffSession('You are signed in.'),
});

const acceptPage = tokenActionPage({
  title: 'New Theatre alumni staff: accept your invitation',
  prompt: 'Press Accept to accept your invitation to the New Theatre alumni staff.',
  button: 'Accept',
  endpoint: 'accept',
  session: staffSession('Invitation accepted. You are signed in.'),
});
