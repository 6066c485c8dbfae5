/**
 * Staff users and their scoped permissions (`/staff`), after CompactConnect's staff user architecture: sign-in by
 * emailed link, invitations through the `staff-invitation` workflow, and permission changes under the rules of
 * `core/staff/rules.ts`. A staff user another may not see is "not found" (404), never "forbidden": a site admin
 * cannot probe for users outside their sites. Every staff route takes a staff session token only.
 *
 * One module per concern under `staff/`: links (sign-in and invitation links, their pages), the calling session,
 * users and their permissions, invitations. The decisions are in `core/staff/service.ts`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { validationErrorHook } from '../errors.js';
import { registerStaffInvitationRoutes } from './staff/invitations.js';
import { registerStaffLinkRoutes } from './staff/links.js';
import { registerStaffSessionRoutes } from './staff/session.js';
import type { StaffEnv } from './staff/shared.js';
import { registerStaffUserRoutes } from './staff/users.js';

export { staffMessages } from '../../core/staff/messages.js';

export function registerStaffRoutes(app: OpenAPIHono): void {
  const staff = new OpenAPIHono<StaffEnv>({ defaultHook: validationErrorHook });
  // Static paths (`/staff/signin`, `/staff/accept`, `/staff/me`) before `/staff/{id}`: the first match answers.
  registerStaffLinkRoutes(staff);
  registerStaffSessionRoutes(staff);
  registerStaffUserRoutes(staff);
  registerStaffInvitationRoutes(staff);
  app.route('/', staff);
}
