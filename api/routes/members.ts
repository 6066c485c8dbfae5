/**
 * lumina's member API (`/member`): the same paths, JSON shapes, status codes and error texts, plus the consent
 * ledger, the export and the erasure. Registration is not done here: `POST /member/{id}` only validates and starts
 * the registration workflow, which reserves the id, emails the link and, once the address is verified, takes the
 * address for the member.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { camelizeKeys } from '../../core/case.js';
import { systemClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import {
  consentLedger,
  eraseMember,
  exportMember,
  getMember,
  listActiveMembers,
  updateProfile,
} from '../../core/members/account.js';
import { memberMessages } from '../../core/members/messages.js';
import {
  ConsentSchema,
  MemberIdSchema,
  RegistrableMemberIdSchema,
  RegistrationSchema,
  limits,
  maskEmail,
  toPrivateMember,
  type MemberItem,
  type PrivateMember,
} from '../../core/members/model.js';
import { requireActiveMember } from '../../core/members/rules.js';
import { register, requestLoginLink } from '../../core/members/service.js';
import { normalizeEmail } from '../../core/keys.js';
import { isNetworkAdminEmail, networkAdminEmails } from '../../core/staff/network-admins.js';
import { authenticate, requireMember } from '../auth/middleware.js';
import { authMessages, type AuthVariables } from '../auth/contract.js';
import { authenticateStaff, staffWithScope } from '../auth/staff-middleware.js';
import { validationErrorHook } from '../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';

type MemberEnv = { Variables: AuthVariables };

export { memberMessages };
export { LOGIN_LINK_VALID_SECONDS, registrationExecutionName } from '../../core/members/service.js';

const MAX_BODY_BYTES = 16 * 1024;

// ------------------------------------------------------------------------------------------------ schemas

/** The `bearerAuth` scheme is registered with the auth routes. */
const bearer = [{ bearerAuth: [] }];

const OkSchema = z.literal('OK').openapi({ example: 'OK' });

const ConsentBodySchema = ConsentSchema.openapi('Consent');

const PrivateMemberSchema = z
  .object({
    id: z.string().openapi({ example: 'fred_bloggs' }),
    createdAt: z.string().nullable(),
    email: z.string(),
    emailVerified: z.boolean(),
    emailVerifiedAt: z.string().nullable(),
    phone: z.string().nullable(),
    yearOfGraduation: z.number().int().nullable(),
    consent: ConsentBodySchema,
    anonymousIds: z.array(z.string()),
    isAdmin: z.boolean(),
  })
  .openapi('PrivateMember');

const MemberCheckSchema = z
  .object({ id: z.string(), maskedEmail: z.string().openapi({ example: 'fr***@bl***.com' }) })
  .openapi('MemberCheck');

const ConsentLedgerEntrySchema = z
  .object({
    consent: z.enum(['consentNews', 'consentNetwork', 'consentMembers', 'consentStudents']),
    granted: z.boolean(),
    at: z.string(),
    source: z.enum(['registration', 'profile-update', 'erasure']),
  })
  .openapi('ConsentLedgerEntry');

const MemberExportSchema = z
  .object({
    exportedAt: z.string(),
    profile: PrivateMemberSchema.extend({ fullName: z.string() }),
    consentLedger: z.array(ConsentLedgerEntrySchema),
    sessions: z.array(
      z.object({ id: z.string(), createdAt: z.string().nullable(), validUntil: z.string().nullable() }),
    ),
    submissions: z.array(z.record(z.string(), z.unknown())),
  })
  .openapi('MemberExport');

/** Request bodies accept camelCase and snake_case keys (lumina's FastAPI did). */
const RegistrationBodySchema = z.preprocess(camelizeKeys, RegistrationSchema).openapi('Registration');

const MemberUpdateBodySchema = z
  .preprocess(
    camelizeKeys,
    z.object({
      /** Absent: unchanged; null or blank: removed. */
      phone: z
        .string()
        .trim()
        .max(limits.phone)
        .nullable()
        .optional()
        .transform((phone) => (phone === '' ? null : phone)),
      consent: ConsentBodySchema,
    }),
  )
  .openapi('MemberUpdate');

const MemberIdParams = z.object({
  id: MemberIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'fred_bloggs' }),
});

/** A new registration's id: also outside the namespaces of erased members' and anonymous submitters' ids. */
const RegistrationParams = z.object({
  id: RegistrableMemberIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'fred_bloggs' }),
});

// ------------------------------------------------------------------------------------------------ responses

const errors = {
  unauthorized: json(
    ErrorSchema,
    `${authMessages.required}, ${authMessages.invalid} or ${authMessages.memberGone}`,
  ),
  validation: json(ValidationErrorSchema, 'The request does not validate'),
};
const selfErrors = (forbidden: string) => ({
  401: errors.unauthorized,
  403: json(ErrorSchema, `\`${forbidden}\`, or \`${authMessages.forbidden}\` for a staff session`),
  422: errors.validation,
});

// ------------------------------------------------------------------------------------------------ middleware

/** Requires a session of the member named by the path (after `authenticate`): 401, then 403 with `message`. */
const selfOnly = (message: string): MiddlewareHandler<MemberEnv> =>
  createMiddleware<MemberEnv>(async (c, next) => {
    const { member } = requireMember(c);
    if (member.id !== c.req.param('id')) throw new DomainError('Forbidden', message);
    await next();
  });

/** Staff with `network:read` (a staff session token; a member's valid session is 403, as on lumina). */
const networkReaders = staffWithScope((scopes) => scopes.includes('network:read'));

/** The private profile, with lumina's `isAdmin`: whether the address is an active network admin's. */
async function privateProfile(member: MemberItem): Promise<PrivateMember> {
  return toPrivateMember(member, await isNetworkAdminEmail(member.email));
}

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ detail: memberMessages.tooLarge }, 413),
});

// ------------------------------------------------------------------------------------------------ routes

const listRoute = (path: '/member' | '/member/') =>
  createRoute({
    method: 'get',
    path,
    tags: ['members'],
    summary: 'Every active member, private shape (staff with `network:read`)',
    security: bearer,
    middleware: [authenticateStaff, networkReaders] as const,
    responses: {
      200: json(z.array(PrivateMemberSchema), 'Active members by id'),
      401: errors.unauthorized,
      403: json(
        ErrorSchema,
        `${authMessages.forbidden} (a member's session, or staff without \`network:read\`)`,
      ),
    },
  });

const getMemberRoute = createRoute({
  method: 'get',
  path: '/member/{id}',
  tags: ['members'],
  summary: "The member's own profile",
  security: bearer,
  middleware: [authenticate, selfOnly(memberMessages.cannotRead)] as const,
  request: { params: MemberIdParams },
  responses: {
    200: json(PrivateMemberSchema, 'The private profile'),
    ...selfErrors(memberMessages.cannotRead),
  },
});

const checkRoute = createRoute({
  method: 'get',
  path: '/member/{id}/check',
  tags: ['members'],
  summary: 'Whether an active member exists, with a masked email',
  request: { params: MemberIdParams },
  responses: {
    200: json(MemberCheckSchema, 'An active member'),
    404: json(ErrorSchema, `${memberMessages.notFound} (also for unverified registrations)`),
    422: errors.validation,
  },
});

const registerRoute = createRoute({
  method: 'post',
  path: '/member/{id}',
  tags: ['members'],
  summary: 'Register: starts the registration workflow, which emails a verification link',
  middleware: [limitBody] as const,
  request: {
    params: RegistrationParams,
    body: { required: true, content: { 'application/json': { schema: RegistrationBodySchema } } },
  },
  responses: {
    200: json(OkSchema, 'Registration started (or already running for this same request)'),
    409: json(ErrorSchema, memberMessages.alreadyExists),
    413: json(ErrorSchema, memberMessages.tooLarge),
    415: json(ErrorSchema, 'Unsupported Media Type'),
    422: errors.validation,
  },
});

const updateRoute = createRoute({
  method: 'put',
  path: '/member/{id}',
  tags: ['members'],
  summary: 'Update phone and consent (consent changes are recorded in the ledger)',
  security: bearer,
  middleware: [authenticate, selfOnly(memberMessages.cannotUpdate), limitBody] as const,
  request: {
    params: MemberIdParams,
    body: { required: true, content: { 'application/json': { schema: MemberUpdateBodySchema } } },
  },
  responses: {
    200: json(PrivateMemberSchema, 'The updated profile'),
    ...selfErrors(memberMessages.cannotUpdate),
    409: json(ErrorSchema, memberMessages.concurrentChange),
    413: json(ErrorSchema, memberMessages.tooLarge),
    415: json(ErrorSchema, 'Unsupported Media Type'),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/member/{id}',
  tags: ['members'],
  summary: 'Erase the member: profile, consent ledger, sessions; their submissions stay, anonymized',
  security: bearer,
  middleware: [authenticate, selfOnly(memberMessages.cannotDelete)] as const,
  request: { params: MemberIdParams },
  responses: { 200: json(OkSchema, 'Erased'), ...selfErrors(memberMessages.cannotDelete) },
});

const loginRoute = createRoute({
  method: 'post',
  path: '/member/{id}/login',
  tags: ['members'],
  summary: 'Emails a login link (valid 1 hour, single use) to the stored address',
  description:
    'For a registration still waiting for its email verification, emails a new verification link instead (the ' +
    'earlier one stops working), within the same sign-in allowance.',
  request: { params: MemberIdParams },
  responses: {
    200: json(
      OkSchema,
      'Link sent (a new verification link for a pending registration); or, when the allowance is used up, nothing ' +
        'sent: the newest link already sent still works',
    ),
    404: json(ErrorSchema, memberMessages.notFound),
    422: errors.validation,
    503: json(ErrorSchema, memberMessages.emailUnavailable),
  },
});

const consentRoute = createRoute({
  method: 'get',
  path: '/member/{id}/consent',
  tags: ['members'],
  summary: "The member's consent ledger, oldest first",
  security: bearer,
  middleware: [authenticate, selfOnly(memberMessages.cannotRead)] as const,
  request: { params: MemberIdParams },
  responses: {
    200: json(z.array(ConsentLedgerEntrySchema), 'Every grant and withdrawal'),
    ...selfErrors(memberMessages.cannotRead),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/member/{id}/export',
  tags: ['members'],
  summary: 'Everything held about the member, as one JSON document',
  security: bearer,
  middleware: [authenticate, selfOnly(memberMessages.cannotRead)] as const,
  request: { params: MemberIdParams },
  responses: { 200: json(MemberExportSchema, 'The export'), ...selfErrors(memberMessages.cannotRead) },
});

/** Registers the member routes on the app. */
export function registerMemberRoutes(app: OpenAPIHono): void {
  const members = new OpenAPIHono<MemberEnv>({ defaultHook: validationErrorHook });

  for (const route of [listRoute('/member'), listRoute('/member/')]) {
    members.openapi(route, async (c) => {
      const [all, adminEmails] = await Promise.all([listActiveMembers(), networkAdminEmails()]);
      return c.json(
        all.map((member) => toPrivateMember(member, adminEmails.has(normalizeEmail(member.email)))),
        200,
      );
    });
  }

  members.openapi(getMemberRoute, async (c) => c.json(await privateProfile(requireMember(c).member), 200));

  members.openapi(checkRoute, async (c) => {
    const member = requireActiveMember(await getMember(c.req.valid('param').id));
    return c.json({ id: member.id, maskedEmail: maskEmail(member.email) }, 200);
  });

  members.openapi(registerRoute, async (c) => {
    const { id } = c.req.valid('param');
    await register({ memberId: id, registration: c.req.valid('json') }, systemClock.now());
    return c.json('OK' as const, 200);
  });

  members.openapi(updateRoute, async (c) => {
    const { member } = requireMember(c);
    const { phone, consent } = c.req.valid('json');
    // A concurrent change is ConcurrentChangeError: 409 `memberMessages.concurrentChange`.
    const updated = await updateProfile(member, { phone, consent }, systemClock.now());
    return c.json(await privateProfile(updated), 200);
  });

  members.openapi(deleteRoute, async (c) => {
    const { member, sessionId } = requireMember(c);
    await eraseMember(member.id, sessionId);
    return c.json('OK' as const, 200);
  });

  members.openapi(loginRoute, async (c) => {
    await requestLoginLink(c.req.valid('param').id, systemClock.now());
    return c.json('OK' as const, 200);
  });

  members.openapi(consentRoute, async (c) => {
    const entries = await consentLedger(requireMember(c).member.id);
    return c.json(
      entries.map(({ consent, granted, at, source }) => ({ consent, granted, at, source })),
      200,
    );
  });

  members.openapi(exportRoute, async (c) => {
    const held = await exportMember(requireMember(c).member);
    return c.json(
      {
        exportedAt: systemClock.now().toISOString(),
        profile: { ...(await privateProfile(held.member)), fullName: held.member.fullName },
        consentLedger: held.consentLedger.map(({ consent, granted, at, source }) => ({
          consent,
          granted,
          at,
          source,
        })),
        sessions: held.sessions,
        submissions: held.submissions,
      },
      200,
    );
  });

  app.route('/', members);
}
