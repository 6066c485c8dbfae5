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
import { staffInvitationRoutes as invitations } from './staff/invitations.js';
import { staffLinkRoutes as links } from './staff/links.js';
import { staffSessionRoutes as session } from './staff/session.js';
import type { StaffEnv, StaffRegistrar } from './staff/shared.js';
import { staffUserRoutes as users } from './staff/users.js';

export { staffMessages } from '../../core/staff/messages.js';

/**
 * Every staff route, in the order it is registered: the first match answers, so the static paths (`/staff/signin`,
 * `/staff/accept`, `/staff/me`) come before `/staff/{id}`; and the OpenAPI document lists paths and schemas in this
 * order.
 */
const routes: StaffRegistrar[] = [
  links.login,
  links.signinPage,
  links.redeem,
  links.acceptPage,
  links.accept,
  session.logout,
  session.me,
  users.list,
  invitations.invite,
  users.get,
  users.permissions,
  users.remove,
  invitations.reinvite,
];

export function registerStaffRoutes(app: OpenAPIHono): void {
  const staff = new OpenAPIHono<StaffEnv>({ defaultHook: validationErrorHook });
  for (const register of routes) register(staff);
  app.route('/', staff);
}
