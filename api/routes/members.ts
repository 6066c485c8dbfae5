/**
 * lumina's member API (`/member`): the same paths, JSON shapes, status codes and error texts, plus the consent
 * ledger, the export and the erasure. Registration is not done here: `POST /member/{id}` only validates and starts
 * the registration workflow, which reserves the id, emails the link and, once the address is verified, takes the
 * address for the member.
 */
import { createHash } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { sfnClient } from '../../core/aws-clients.js';
import { camelizeKeys } from '../../core/case.js';
import { requiredEnv, stateMachineArnVariable } from '../../core/config.js';
import { renderEmail } from '../../core/email/render.js';
import { sendEmail } from '../../core/email/send.js';
import { WorkflowTaskError, taskErrors } from '../../core/errors.js';
import { issueLinkToken, linkUrl } from '../../core/links.js';
import { logger } from '../../core/logger.js';
import {
  ConcurrentChangeError,
  consentLedger,
  eraseMember,
  exportMember,
  getMember,
  listActiveMembers,
  updateProfile,
} from '../../core/members/account.js';
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
  type RegistrationRequest,
} from '../../core/members/model.js';
import { stableStringify } from '../../core/stable-json.js';
import { keys, normalizeEmail } from '../../core/keys.js';
import { isNetworkAdminEmail, networkAdminEmails } from '../../core/staff/network-admins.js';
import { authenticate, requireMember } from '../auth/middleware.js';
import { authMessages, type AuthVariables } from '../auth/contract.js';
import { authenticateStaff, staffWithScope } from '../auth/staff-middleware.js';
import { HttpError, validationErrorHook } from '../errors.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';
import { returnSignInEmail, takeSignInEmail } from '../../core/sign-in-limit.js';
import { storeRegistrationRequest } from '../../core/members/registration-request.js';
import { emailVerification } from '../../core/members/verification.js';

type MemberEnv = { Variables: AuthVariables };

export const memberMessages = {
  notFound: 'Member not found',
  alreadyExists: 'Member already exists',
  cannotRead: 'You cannot read another member',
  cannotUpdate: 'You cannot update another member',
  cannotDelete: 'You cannot delete another member',
  concurrentChange: 'The member was changed by another request; reload it and try again',
  emailUnavailable: 'The email could not be sent; please try again later',
  tooLarge: 'Request body too large',
} as const;

/** A login link is valid for an hour (lumina's link was a 90-day session token). */
export const LOGIN_LINK_VALID_SECONDS = 3600;
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
    if (member.id !== c.req.param('id')) throw new HttpError(403, message);
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

// ------------------------------------------------------------------------------------------------ registration

/** Step Functions execution names: at most 80 of `[A-Za-z0-9_-]`. */
const MAX_EXECUTION_NAME = 80;
/** Room left for the `-<epoch seconds>` suffix of a repeated registration. */
const RETRY_SUFFIX_LENGTH = 11;

/**
 * `reg-<id>-<first 16 hex of sha256(input)>`: the same request (a double click, a client retry) names the same
 * execution, which StartExecution returns again while it runs. Ids too long to fit are shortened; the hash covers
 * the full id, so names still differ.
 */
export function registrationExecutionName(memberId: string, input: string): string {
  const hash = createHash('sha256').update(input).digest('hex').slice(0, 16);
  const room = MAX_EXECUTION_NAME - RETRY_SUFFIX_LENGTH - 'reg-'.length - 1 - hash.length;
  return `reg-${memberId.slice(0, room)}-${hash}`;
}

async function startRegistration(request: RegistrationRequest): Promise<void> {
  const stateMachineArn = requiredEnv(stateMachineArnVariable('registration'));
  // The name comes from the whole request, so a double click or a client retry is the same execution; the
  // execution itself carries only ids (its input and history are kept for 90 days, out of an erasure's reach).
  const name = registrationExecutionName(request.memberId, stableStringify(request));
  const start = async (requestId: string) => {
    await storeRegistrationRequest(requestId, request.memberId, request.registration);
    const input = stableStringify({ memberId: request.memberId, requestId });
    await sfnClient.send(new StartExecutionCommand({ stateMachineArn, name: requestId, input }));
  };
  try {
    await start(name);
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
    // The same body was used by an earlier registration that has finished (expired, say): a fresh execution.
    await start(`${name}-${Math.floor(Date.now() / 1000)}`);
  }
}

// ------------------------------------------------------------------------------------------------ handlers

async function activeMember(memberId: string): Promise<MemberItem> {
  const member = await getMember(memberId);
  // Pending registrations look exactly like unknown ids: nobody can probe unverified addresses.
  if (!member || member.status !== 'active') throw new HttpError(404, memberMessages.notFound);
  return member;
}

async function emailLoginLink(member: MemberItem): Promise<void> {
  const siteUrl = requiredEnv('SITE_URL');
  const { token } = await issueLinkToken(member.id, 'login', LOGIN_LINK_VALID_SECONDS, {
    memberUid: member.uid,
  });
  const email = renderEmail({
    subject: 'Your login link for the New Theatre alumni site',
    greeting: `Hello ${member.fullName},`,
    paragraphs: [
      'Someone (hopefully you) asked to log in to the New Theatre alumni site with this email address.',
      'If it was not you, ignore this email: nothing happens unless the link is followed.',
    ],
    action: { label: 'Log in', url: linkUrl(siteUrl, token) },
    footnote: 'The link works once and is valid for 1 hour.',
  });
  try {
    await sendEmail(member.email, email);
  } catch (error) {
    if (error instanceof WorkflowTaskError && error.name === taskErrors.retryable) {
      logger.warn('Login email not sent', { error: error.name, reason: error.message });
      throw new HttpError(503, memberMessages.emailUnavailable);
    }
    throw error;
  }
}

/**
 * lumina's way to resend a registration's link: `POST /member/{id}/login` for a registration still waiting. A new
 * link replaces the earlier one (which stops working), valid until the registration's wait ends; or nothing, when
 * the workflow has not yet sent its own first email or the address is an active member's. The answer is the same
 * "OK" in every case, as for an active member: it tells nobody more than `POST /member/{id}`'s 409 does.
 */
async function resendVerification(member: MemberItem): Promise<boolean> {
  if (!member.verificationTaskToken || !member.verificationValidUntil) return false;
  if (Date.parse(member.verificationValidUntil) <= Date.now()) return false;
  try {
    const outcome = await emailVerification(member, member.verificationValidUntil, false);
    if (!outcome.sent) logger.info('Verification link not resent', { reason: outcome.reason });
    return outcome.sent !== false;
  } catch (error) {
    if (error instanceof WorkflowTaskError && error.name === taskErrors.retryable) {
      logger.warn('Verification email not resent', { reason: error.message });
      throw new HttpError(503, memberMessages.emailUnavailable);
    }
    throw error;
  }
}

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
    const member = await activeMember(c.req.valid('param').id);
    return c.json({ id: member.id, maskedEmail: maskEmail(member.email) }, 200);
  });

  members.openapi(registerRoute, async (c) => {
    const { id } = c.req.valid('param');
    const registration = c.req.valid('json');
    if (await getMember(id)) throw new HttpError(409, memberMessages.alreadyExists);
    await startRegistration({ memberId: id, registration });
    return c.json('OK' as const, 200);
  });

  members.openapi(updateRoute, async (c) => {
    const { member } = requireMember(c);
    const { phone, consent } = c.req.valid('json');
    try {
      const updated = await updateProfile(member, { phone, consent });
      return c.json(await privateProfile(updated), 200);
    } catch (error) {
      if (error instanceof ConcurrentChangeError) throw new HttpError(409, memberMessages.concurrentChange);
      throw error;
    }
  });

  members.openapi(deleteRoute, async (c) => {
    const { member, sessionId } = requireMember(c);
    await eraseMember(member.id, sessionId);
    return c.json('OK' as const, 200);
  });

  members.openapi(loginRoute, async (c) => {
    const member = await getMember(c.req.valid('param').id);
    if (!member) throw new HttpError(404, memberMessages.notFound);
    // Anyone may ask (lumina's contract): an allowance keeps that from flooding the member's inbox. Over it,
    // nothing is sent and the answer is the same: a link went out less than one allowance interval ago and
    // still works, so a stranger using the allowance up does not keep the member from signing in.
    const principal = keys.memberPartition(member.id);
    if (await takeSignInEmail(principal)) {
      try {
        if (member.status === 'active') await emailLoginLink(member);
        // Nothing went out (no link to resend yet, the address's own allowance used up): nothing to count.
        else if (!(await resendVerification(member))) await returnSignInEmail(principal);
      } catch (error) {
        await returnSignInEmail(principal);
        throw error;
      }
    }
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
        exportedAt: new Date().toISOString(),
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
