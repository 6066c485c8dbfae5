/** The calling staff session (`/staff/logout`, `/staff/me`). */
import { createRoute } from '@hono/zod-openapi';
import { revokeStaffSession } from '../../../core/auth/staff-sessions.js';
import { toStaffView } from '../../../core/staff/model.js';
import { scopesOf } from '../../../core/staff/repository.js';
import { authenticateStaff, requireStaff, staffOnly } from '../../auth/staff-middleware.js';
import { json } from '../../openapi-shapes.js';
import {
  OkSchema,
  StaffViewSchema,
  bearer,
  forbidden,
  unauthorized,
  type StaffApp,
  type StaffRegistrar,
} from './shared.js';

const logoutRoute = createRoute({
  method: 'post',
  path: '/staff/logout',
  tags: ['staff'],
  summary: 'Ends the calling staff session',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  responses: { 200: json(OkSchema, 'Signed out'), 401: unauthorized, 403: forbidden },
});

const meRoute = createRoute({
  method: 'get',
  path: '/staff/me',
  tags: ['staff'],
  summary: 'The calling staff user and their current permissions',
  security: bearer,
  middleware: [authenticateStaff, staffOnly] as const,
  responses: { 200: json(StaffViewSchema, 'The staff user'), 401: unauthorized, 403: forbidden },
});

/** Each route's registration, by name: `../staff.ts` registers them in the API's order. */
export const staffSessionRoutes = {
  logout: (staff: StaffApp) =>
    staff.openapi(logoutRoute, async (c) => {
      const actor = requireStaff(c);
      await revokeStaffSession(actor.staff.id, actor.sessionId);
      return c.json('OK' as const, 200);
    }),

  me: (staff: StaffApp) =>
    staff.openapi(meRoute, async (c) => {
      const actor = requireStaff(c);
      return c.json(toStaffView(actor.staff, await scopesOf(actor.staff.id)), 200);
    }),
} satisfies Record<string, StaffRegistrar>;
