/**
 * Staff users and their permissions (`GET /staff`, `/staff/{id}`, `PUT /staff/{id}/permissions`,
 * `DELETE /staff/{id}`), under the rules of `core/staff/rules.ts` as `core/staff/service.ts` applies them.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { camelizeKeys } from '../../../core/case.js';
import { systemClock } from '../../../core/clock.js';
import { staffMessages } from '../../../core/staff/messages.js';
import { PermissionsSchema, toScopes, toStaffView } from '../../../core/staff/model.js';
import { changePermissions, removeStaff, visiblePage, visibleTarget } from '../../../core/staff/service.js';
import { authMessages } from '../../auth/contract.js';
import { authenticateStaff, requireStaff, staffOnly } from '../../auth/staff-middleware.js';
import { queryValueError } from '../../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../../openapi-shapes.js';
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

const DEFAULT_PAGE_SIZE = 25;

const StaffPageSchema = z
  .object({
    items: z.array(StaffViewSchema),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('StaffPage');

const PermissionsUpdateBodySchema = z
  .preprocess(
    camelizeKeys,
    z
      .object({ permissions: PermissionsSchema })
      .superRefine((body, context) => refineSites(body.permissions, context, ['permissions'])),
  )
  .openapi('StaffPermissionsUpdate');

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ example: DEFAULT_PAGE_SIZE }),
  cursor: z.string().min(1).max(2048).optional(),
});

const listRoute = createRoute({
  method: 'get',
  path: '/staff',
  tags: ['staff'],
  summary: 'The staff users the caller may see, by address, a page at a time',
  description:
    'Network admins and readers see everyone; a site admin sees users whose every permission is within their ' +
    'sites; anyone sees themself.',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { query: ListQuery },
  responses: {
    200: json(StaffPageSchema, 'A page of staff users'),
    401: unauthorized,
    403: forbidden,
    422: json(ValidationErrorSchema, `A malformed limit, or \`${staffMessages.invalidCursor}\``),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/staff/{id}',
  tags: ['staff'],
  summary: 'A staff user the caller may see',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { params: StaffIdParams },
  responses: {
    200: json(StaffViewSchema, 'The staff user'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    422: validation,
  },
});

const permissionsRoute = createRoute({
  method: 'put',
  path: '/staff/{id}/permissions',
  tags: ['staff'],
  summary: "Replaces a staff user's permissions; their sessions end",
  description:
    'Every permission added or removed must be one the caller may grant; nobody can raise their own ' +
    'permissions (removing your own is allowed); the last network admin keeps `network: admin`.',
  security: bearer,
  middleware: [authenticateStaff, staffOnly, limitBody] as const,
  request: {
    params: StaffIdParams,
    body: { required: true, content: { 'application/json': { schema: PermissionsUpdateBodySchema } } },
  },
  responses: {
    200: json(StaffViewSchema, 'The staff user with their new permissions'),
    401: unauthorized,
    403: json(ErrorSchema, `\`${authMessages.forbidden}\` or \`${staffMessages.raiseOwn}\``),
    404: notFound,
    409: json(ErrorSchema, staffMessages.lastNetworkAdmin),
    ...bodyErrors,
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/staff/{id}',
  tags: ['staff'],
  summary: 'Deletes a staff user (a pending invitation is stopped)',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  request: { params: StaffIdParams },
  responses: {
    200: json(OkSchema, 'Deleted'),
    401: unauthorized,
    403: forbidden,
    404: notFound,
    409: json(ErrorSchema, staffMessages.lastNetworkAdmin),
    422: validation,
  },
});

/** Each route's registration, by name: `../staff.ts` registers them in the API's order. */
export const staffUserRoutes = {
  list: (staff: StaffApp) =>
    staff.openapi(listRoute, async (c) => {
      const actor = actorOf(requireStaff(c));
      const { limit = DEFAULT_PAGE_SIZE, cursor } = c.req.valid('query');
      const page = await visiblePage(actor, limit, cursor);
      if (!page) return queryValueError(c, 'cursor', staffMessages.invalidCursor);
      return c.json(page, 200);
    }),

  get: (staff: StaffApp) =>
    staff.openapi(getRoute, async (c) => {
      const target = await visibleTarget(actorOf(requireStaff(c)), c.req.valid('param').id);
      return c.json(toStaffView(target.staff, target.scopes), 200);
    }),

  permissions: (staff: StaffApp) =>
    staff.openapi(permissionsRoute, async (c) => {
      const actor = actorOf(requireStaff(c));
      const after = toScopes(c.req.valid('json').permissions);
      const view = await changePermissions(actor, c.req.valid('param').id, after, systemClock.now());
      return c.json(view, 200);
    }),

  remove: (staff: StaffApp) =>
    staff.openapi(deleteRoute, async (c) => {
      await removeStaff(actorOf(requireStaff(c)), c.req.valid('param').id, systemClock.now());
      return c.json('OK' as const, 200);
    }),
} satisfies Record<string, StaffRegistrar>;
