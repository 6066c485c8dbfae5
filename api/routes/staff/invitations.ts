/**
 * Invitations (`POST /staff`, `POST /staff/{id}/reinvite`): each starts the `staff-invitation` workflow, which
 * emails a link; accepting it is `POST /staff/accept` (`links.ts`).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { camelizeKeys } from '../../../core/case.js';
import { systemClock } from '../../../core/clock.js';
import { staffMessages } from '../../../core/staff/messages.js';
import { PermissionsSchema, toScopes } from '../../../core/staff/model.js';
import { adminSites, isNetworkAdmin } from '../../../core/staff/rules.js';
import { inviteStaff, reinviteStaff } from '../../../core/staff/service.js';
import { singleLine } from '../../../core/text.js';
import { authenticateStaff, requireStaff, staffOnly, staffWithScope } from '../../auth/staff-middleware.js';
import { ErrorSchema, json } from '../../openapi-shapes.js';
import {
  OkSchema,
  StaffIdParams,
  StaffViewSchema,
  actorOf,
  bearer,
  bodyErrors,
  forbidden,
  limitBody,
  notFound,
  refineSites,
  unauthorized,
  validation,
  type StaffApp,
  type StaffRegistrar,
} from './shared.js';

const InviteBodySchema = z
  .preprocess(
    camelizeKeys,
    z
      .object({
        email: z.email().max(254),
        name: singleLine(200),
        permissions: PermissionsSchema,
      })
      .superRefine((body, context) => {
        refineSites(body.permissions, context, ['permissions']);
        if (toScopes(body.permissions).length === 0) {
          context.addIssue({ code: 'custom', path: ['permissions'], message: staffMessages.noPermissions });
        }
      }),
  )
  .openapi('StaffInvitation');

/** Network admins and site admins: the only ones who may invite or manage anybody. */
const staffManager = staffWithScope((scopes) => isNetworkAdmin(scopes) || adminSites(scopes).size > 0);

const inviteRoute = createRoute({
  method: 'post',
  path: '/staff',
  tags: ['staff'],
  summary: 'Invites a staff user with permissions: starts the invitation workflow, which emails a link',
  description:
    'Network admins may grant anything; a site admin only permissions of their own sites. Every site must be ' +
    'configured.',
  security: bearer,
  middleware: [authenticateStaff, staffManager, limitBody] as const,
  request: { body: { required: true, content: { 'application/json': { schema: InviteBodySchema } } } },
  responses: {
    201: json(StaffViewSchema, 'Invited'),
    401: unauthorized,
    403: forbidden,
    409: json(ErrorSchema, staffMessages.emailTaken),
    ...bodyErrors,
  },
});

const reinviteRoute = createRoute({
  method: 'post',
  path: '/staff/{id}/reinvite',
  tags: ['staff'],
  summary:
    'Restarts an invitation: the pending one is stopped (its link stops working) and a new link is emailed',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { params: StaffIdParams },
  responses: {
    200: json(OkSchema, 'Invitation restarted'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: json(ErrorSchema, staffMessages.notInvited),
    422: validation,
  },
});

/** Each route's registration, by name: `../staff.ts` registers them in the API's order. */
export const staffInvitationRoutes = {
  invite: (staff: StaffApp) =>
    staff.openapi(inviteRoute, async (c) => {
      const { email, name, permissions } = c.req.valid('json');
      const view = await inviteStaff(
        actorOf(requireStaff(c)),
        { email, name, scopes: toScopes(permissions) },
        systemClock.now(),
      );
      return c.json(view, 201);
    }),

  reinvite: (staff: StaffApp) =>
    staff.openapi(reinviteRoute, async (c) => {
      await reinviteStaff(actorOf(requireStaff(c)), c.req.valid('param').id, systemClock.now());
      return c.json('OK' as const, 200);
    }),
} satisfies Record<string, StaffRegistrar>;
