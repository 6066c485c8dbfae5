/**
 * Staff users and their scoped permissions (`/staff`), after CompactConnect's staff user architecture: sign-in by
 * emailed link, invitations through the `staff-invitation` workflow, and permission changes under the rules of
 * `core/staff/rules.ts`. A staff user another may not see is "not found" (404), never "forbidden": a site admin
 * cannot probe for users outside their sites. Every staff route takes a staff session token only.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { redeemStaffLink, staffLinkMessages } from '../../core/auth/staff-links.js';
import { revokeStaffSession } from '../../core/auth/staff-sessions.js';
import { sfnClient } from '../../core/aws-clients.js';
import { camelizeKeys } from '../../core/case.js';
import { requiredEnv, stateMachineArnVariable } from '../../core/config.js';
import { stopExecutionByName } from '../../core/executions.js';
import { logger } from '../../core/logger.js';
import {
  PermissionsSchema,
  configuredSites,
  toScopes,
  toStaffView,
  type Scope,
  type StaffItem,
} from '../../core/staff/model.js';
import {
  adminSites,
  canGrantScope,
  canManage,
  canSee,
  checkPermissionChange,
  isNetworkAdmin,
} from '../../core/staff/rules.js';
import {
  createInvitation,
  deleteStaff,
  findStaffByEmail,
  getStaff,
  listStaff,
  newInvitedStaff,
  replaceScopes,
  scopesOf,
  setInvitationExecution,
  staffInvitationExecutionName,
} from '../../core/staff/repository.js';
import { authMessages } from '../auth/contract.js';
import {
  authenticateStaff,
  requireStaff,
  staffOnly,
  staffWithScope,
  type AuthenticatedStaff,
  type StaffVariables,
} from '../auth/staff-middleware.js';
import { HttpError, queryValueError, validationErrorHook } from '../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';
import { STAFF_TOKEN_KEY } from '../moderation-page.js';
import { tokenActionPage, type SessionResult } from '../pages.js';
import { requestStaffSignIn } from '../../core/staff/sign-in.js';
import { singleLine } from '../../core/text.js';

type StaffEnv = { Variables: StaffVariables };

export const staffMessages = {
  notFound: 'Staff user not found',
  emailTaken: 'A staff user with this email already exists',
  raiseOwn: 'You cannot raise your own permissions',
  lastNetworkAdmin: 'The last network admin cannot be removed',
  notInvited: 'This staff user has already accepted their invitation',
  unknownSite: 'Unknown site',
  noPermissions: 'Give the staff user at least one permission',
  invalidCursor: 'Invalid cursor',
  tooLarge: 'Request body too large',
} as const;

const MAX_BODY_BYTES = 16 * 1024;
const DEFAULT_PAGE_SIZE = 25;
/** Pages of the table read at most to fill one page of visible users. */
const MAX_PAGES_PER_REQUEST = 10;

// ------------------------------------------------------------------------------------------------ schemas

const bearer = [{ bearerAuth: [] }];
const OkSchema = z.literal('OK').openapi({ example: 'OK' });

const PermissionsBodySchema = PermissionsSchema.openapi('StaffPermissions', {
  description:
    'Network-wide `read` and `admin`; per site `moderate` and `admin`. ' +
    'Example: `{"network": [], "sites": {"history": ["moderate"]}}`.',
});

const StaffViewSchema = z
  .object({
    id: z.string().openapi({ example: '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10' }),
    email: z.string().openapi({ example: 'ada@newtheatre.org.uk' }),
    name: z.string().openapi({ example: 'Ada Lovelace' }),
    status: z.enum(['invited', 'active']),
    createdAt: z.string(),
    permissions: PermissionsBodySchema,
  })
  .openapi('StaffUser');

const StaffPageSchema = z
  .object({
    items: z.array(StaffViewSchema),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('StaffPage');

const StaffSessionSchema = z
  .object({
    sessionToken: z.string().openapi({ description: 'Send as `Authorization: Bearer <sessionToken>`' }),
    staffId: z.string(),
    expiresAt: z.string().openapi({ description: 'ISO time the session ends (12 hours)' }),
    scopes: z.array(z.string()).openapi({ example: ['site:history:moderate'] }),
  })
  .openapi('StaffSession');

/** Every site named must be configured (`SITES`); read per request, like the other settings. */
function refineSites(
  permissions: { sites: Record<string, unknown> },
  context: z.RefinementCtx,
  path: string[],
) {
  const sites = configuredSites();
  for (const site of Object.keys(permissions.sites)) {
    if (!sites.includes(site)) {
      context.addIssue({
        code: 'custom',
        path: [...path, 'sites', site],
        message: staffMessages.unknownSite,
      });
    }
  }
}

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

const PermissionsUpdateBodySchema = z
  .preprocess(
    camelizeKeys,
    z
      .object({ permissions: PermissionsSchema })
      .superRefine((body, context) => refineSites(body.permissions, context, ['permissions'])),
  )
  .openapi('StaffPermissionsUpdate');

const LoginBodySchema = z
  .preprocess(camelizeKeys, z.object({ email: z.email().max(254) }))
  .openapi('StaffLogin');

const TokenBodySchema = z.preprocess(
  camelizeKeys,
  z.object({ token: z.string().min(1).max(1024).openapi({ description: 'The token from an emailed link' }) }),
);

const StaffIdParams = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10' }),
});

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ example: DEFAULT_PAGE_SIZE }),
  cursor: z.string().min(1).max(2048).optional(),
});

// ------------------------------------------------------------------------------------------------ responses

const unauthorized = json(ErrorSchema, `\`${authMessages.required}\` or \`${authMessages.invalid}\``);
const forbidden = json(ErrorSchema, authMessages.forbidden);
const notFound = json(ErrorSchema, `${staffMessages.notFound} (also for a user the caller may not see)`);
const validation = json(ValidationErrorSchema, 'The request does not validate');
const bodyErrors = {
  413: json(ErrorSchema, staffMessages.tooLarge),
  415: json(ErrorSchema, 'Unsupported Media Type'),
  422: validation,
};
const linkErrors = json(
  ErrorSchema,
  `\`${staffLinkMessages.invalid}\`, \`${staffLinkMessages.used}\` or \`${staffLinkMessages.expired}\``,
);
const html = { description: 'HTML page', content: { 'text/html': { schema: z.string() } } };
const tokenQuery = z.object({ token: z.string().optional() });

// ------------------------------------------------------------------------------------------------ middleware

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ detail: staffMessages.tooLarge }, 413),
});

/** Network admins and site admins: the only ones who may invite or manage anybody. */
const staffManager = staffWithScope((scopes) => isNetworkAdmin(scopes) || adminSites(scopes).size > 0);

// ------------------------------------------------------------------------------------------------ routes

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

// ------------------------------------------------------------------------------------------------ workflow

function invitationStateMachineArn(): string {
  return requiredEnv(stateMachineArnVariable('staff-invitation'));
}

async function startInvitation(staffId: string, executionName: string): Promise<void> {
  await sfnClient.send(
    new StartExecutionCommand({
      stateMachineArn: invitationStateMachineArn(),
      name: executionName,
      input: JSON.stringify({ staffId }),
    }),
  );
}

/** Stops a pending invitation's execution; one that has ended (or never started) is no error. */
async function stopInvitation(executionName: string): Promise<void> {
  await stopExecutionByName(invitationStateMachineArn(), executionName, {
    error: 'InvitationWithdrawn',
    cause: 'Deleted or reinvited',
  });
}

// ------------------------------------------------------------------------------------------------ helpers

/** The target with their scopes, or 404 when there is none or the caller may not see them. */
async function visibleTarget(
  actor: AuthenticatedStaff,
  staffId: string,
): Promise<{ staff: StaffItem; scopes: Scope[] }> {
  const [staff, scopes] = await Promise.all([getStaff(staffId), scopesOf(staffId)]);
  if (!staff || !canSee(actor.scopes, actor.staff.id, staffId, scopes)) {
    throw new HttpError(404, staffMessages.notFound);
  }
  return { staff, scopes };
}

/** The target, if the caller may manage them: 404 when not visible, 403 when visible but not theirs to manage. */
async function managedTarget(actor: AuthenticatedStaff, staffId: string) {
  const target = await visibleTarget(actor, staffId);
  authoriseManagement(actor, staffId, target.scopes);
  return target;
}

/** May `actor` manage (delete, reinvite) user `staffId`, who has `scopes`? 404 unseen, 403 not theirs. */
function authoriseManagement(actor: AuthenticatedStaff, staffId: string, scopes: readonly Scope[]): void {
  if (!canSee(actor.scopes, actor.staff.id, staffId, scopes))
    throw new HttpError(404, staffMessages.notFound);
  if (!canManage(actor.scopes, actor.staff.id, staffId, scopes))
    throw new HttpError(403, authMessages.forbidden);
}

/**
 * May `actor` change user `staffId` from `before` to `after`? 404 when they may not see the user, 403 when the
 * change is not theirs to make. Anyone may give up their own permissions, never raise them.
 */
function authorisePermissionChange(
  actor: AuthenticatedStaff,
  staffId: string,
  before: readonly Scope[],
  after: readonly Scope[],
): void {
  if (!canSee(actor.scopes, actor.staff.id, staffId, before))
    throw new HttpError(404, staffMessages.notFound);
  const refusal = checkPermissionChange(actor.scopes, actor.staff.id, staffId, before, after);
  if (refusal === 'raise-own') throw new HttpError(403, staffMessages.raiseOwn);
  if (staffId === actor.staff.id) return;
  if (!canManage(actor.scopes, actor.staff.id, staffId, before) || refusal) {
    throw new HttpError(403, authMessages.forbidden);
  }
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Whether the caller may see the staff user holding `email` (true when nobody holds it any more). */
async function canSeeOwnerOf(actor: AuthenticatedStaff, email: string): Promise<boolean> {
  const owner = await findStaffByEmail(email);
  if (!owner) return true;
  return canSee(actor.scopes, actor.staff.id, owner.id, await scopesOf(owner.id));
}

// ------------------------------------------------------------------------------------------------ handlers

export function registerStaffRoutes(app: OpenAPIHono): void {
  const staff = new OpenAPIHono<StaffEnv>({ defaultHook: validationErrorHook });

  staff.openapi(loginRoute, async (c) => {
    // The lookup and the email happen in the staff-sign-in workflow: this answer is the same work for any address.
    await requestStaffSignIn(c.req.valid('json').email);
    return c.json('OK' as const, 200);
  });

  staff.openapi(signinPageRoute, (c) => c.html(signinPage.html, 200, signinPage.headers));

  staff.openapi(redeemRoute, async (c) => {
    const { sessionToken, staffId, expiresAt, scopes } = await redeemStaffLink(
      c.req.valid('json').token,
      'staff-login',
    );
    return c.json({ sessionToken, staffId, expiresAt, scopes }, 200);
  });

  staff.openapi(acceptPageRoute, (c) => c.html(acceptPage.html, 200, acceptPage.headers));

  staff.openapi(acceptRoute, async (c) => {
    const { sessionToken, staffId, expiresAt, scopes } = await redeemStaffLink(
      c.req.valid('json').token,
      'staff-invite',
    );
    return c.json({ sessionToken, staffId, expiresAt, scopes }, 200);
  });

  staff.openapi(logoutRoute, async (c) => {
    const actor = requireStaff(c);
    await revokeStaffSession(actor.staff.id, actor.sessionId);
    return c.json('OK' as const, 200);
  });

  staff.openapi(meRoute, async (c) => {
    const actor = requireStaff(c);
    return c.json(toStaffView(actor.staff, await scopesOf(actor.staff.id)), 200);
  });

  staff.openapi(listRoute, async (c) => {
    const actor = requireStaff(c);
    const { limit = DEFAULT_PAGE_SIZE, cursor } = c.req.valid('query');
    const page = await visiblePage(actor, limit, cursor);
    if (!page) return queryValueError(c, 'cursor', staffMessages.invalidCursor);
    return c.json(page, 200);
  });

  staff.openapi(inviteRoute, async (c) => {
    const actor = requireStaff(c);
    const { email, name, permissions } = c.req.valid('json');
    const scopes = toScopes(permissions);
    if (!scopes.every((scope) => canGrantScope(actor.scopes, scope))) {
      throw new HttpError(403, authMessages.forbidden);
    }
    let invited: StaffItem;
    try {
      invited = await createInvitation({ email, name, scopes, invitedBy: actor.staff.id });
    } catch (error) {
      if (!isNamed(error, 'StaffEmailTaken')) throw error;
      if (await canSeeOwnerOf(actor, email)) throw new HttpError(409, staffMessages.emailTaken);
      // The address is a staff user's whom the caller may not see: a 409 would reveal them (a site admin could
      // probe any address). Answer as an invitation would, but store and send nothing.
      logger.warn('Staff invitation refused: the address belongs to a user the inviter cannot see', {
        invitedBy: actor.staff.id,
      });
      // The same item an invitation stores, with a new id, but not stored.
      const unsent = newInvitedStaff({ email, name, invitedBy: actor.staff.id });
      return c.json(toStaffView(unsent, scopes), 201);
    }
    const executionName = invited.invitationExecution ?? staffInvitationExecutionName(invited.id);
    if (executionName !== invited.invitationExecution)
      await setInvitationExecution(invited.id, executionName);
    await startInvitation(invited.id, executionName);
    logger.info('Staff user invited', { staffId: invited.id, invitedBy: actor.staff.id, scopes });
    return c.json(toStaffView(invited, scopes), 201);
  });

  staff.openapi(getRoute, async (c) => {
    const actor = requireStaff(c);
    const target = await visibleTarget(actor, c.req.valid('param').id);
    return c.json(toStaffView(target.staff, target.scopes), 200);
  });

  staff.openapi(permissionsRoute, async (c) => {
    const actor = requireStaff(c);
    const { id } = c.req.valid('param');
    const after = toScopes(c.req.valid('json').permissions);
    try {
      // Authorised against the scopes each attempt of the change reads, so a concurrent change cannot slip in
      // between the check and the write.
      const changed = await replaceScopes(id, after, actor.staff.id, (target) =>
        authorisePermissionChange(actor, id, target.scopes, after),
      );
      logger.info('Staff permissions changed', { staffId: id, by: actor.staff.id, after: changed.after });
      return c.json(toStaffView(changed.staff, changed.after), 200);
    } catch (error) {
      if (isNamed(error, 'LastNetworkAdmin')) throw new HttpError(409, staffMessages.lastNetworkAdmin);
      if (isNamed(error, 'StaffNotFound')) throw new HttpError(404, staffMessages.notFound);
      throw error;
    }
  });

  staff.openapi(deleteRoute, async (c) => {
    const actor = requireStaff(c);
    const { id } = c.req.valid('param');
    const target = await managedTarget(actor, id);
    if (target.staff.status === 'invited' && target.staff.invitationExecution) {
      await stopInvitation(target.staff.invitationExecution);
    }
    try {
      await deleteStaff(id, (current) => authoriseManagement(actor, id, current.scopes));
    } catch (error) {
      if (isNamed(error, 'LastNetworkAdmin')) throw new HttpError(409, staffMessages.lastNetworkAdmin);
      throw error;
    }
    logger.info('Staff user deleted', { staffId: id, by: actor.staff.id });
    return c.json('OK' as const, 200);
  });

  staff.openapi(reinviteRoute, async (c) => {
    const actor = requireStaff(c);
    const { id } = c.req.valid('param');
    const target = await managedTarget(actor, id);
    if (target.staff.status !== 'invited') throw new HttpError(409, staffMessages.notInvited);
    const previous = target.staff.invitationExecution;
    if (previous) await stopInvitation(previous);
    let executionName = staffInvitationExecutionName(id);
    // Names are per second: a reinvite within the same second as the last one needs a name of its own.
    if (previous?.startsWith(executionName)) executionName = `${executionName}-${Date.now() % 1000}`;
    try {
      await setInvitationExecution(id, executionName);
    } catch (error) {
      if (isNamed(error, 'StaffNotInvited')) throw new HttpError(409, staffMessages.notInvited);
      throw error;
    }
    await startInvitation(id, executionName);
    logger.info('Staff user reinvited', { staffId: id, by: actor.staff.id });
    return c.json('OK' as const, 200);
  });

  app.route('/', staff);
}

/**
 * A page of the users the caller may see. The table is read a page at a time until `limit` visible users are
 * found (each read asks only for what is still missing, so the cursor handed back is exact) or it ends.
 * `undefined` for a cursor this API did not hand out.
 */
async function visiblePage(actor: AuthenticatedStaff, limit: number, cursor: string | undefined) {
  const items: ReturnType<typeof toStaffView>[] = [];
  let next = cursor;
  for (let pages = 0; pages < MAX_PAGES_PER_REQUEST && items.length < limit; pages++) {
    let page: Awaited<ReturnType<typeof listStaff>>;
    try {
      page = await listStaff({ limit: limit - items.length, ...(next ? { cursor: next } : {}) });
    } catch (error) {
      if (isNamed(error, 'InvalidCursor')) return undefined;
      throw error;
    }
    for (const { staff, scopes } of page.items) {
      if (canSee(actor.scopes, actor.staff.id, staff.id, scopes)) items.push(toStaffView(staff, scopes));
    }
    next = page.cursor;
    if (!next) break;
  }
  return { items, cursor: next ?? null };
}

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
