/**
 * The consent-gated "first email" relay: a member (signed in) or a current student (proving their address by an
 * emailed link) asks to send a first email to a member. The route stores the request and starts the
 * `first-email-relay` workflow, which checks consent, blocks and limits and sends the email. No answer ever says
 * why a member cannot be contacted, or anything about the member's address.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { camelizeKeys } from '../../core/case.js';
import { linkMessages } from '../../core/auth/redeem.js';
import { systemClock } from '../../core/clock.js';
import { logger } from '../../core/logger.js';
import { MemberContactSchema, StudentContactSchema, type RelayLimit } from '../../core/relay/model.js';
import { secondsUntilTomorrowUtc } from '../../core/relay/rules.js';
import {
  awaitContactRequest,
  confirmStudentContact,
  relayMessages,
  reportRelay,
  startContactRequest,
} from '../../core/relay/service.js';
import { isStudentAddress, relaySettings } from '../../core/relay/settings.js';
import { MemberIdSchema } from '../../core/members/model.js';
import { authMessages, type AuthVariables } from '../auth/contract.js';
import { authenticate, requireMember } from '../auth/middleware.js';
import { HttpError, validationErrorHook } from '../errors.js';
import { tokenActionPage } from '../pages.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../openapi-shapes.js';

type RelayEnv = { Variables: AuthVariables };

export const relayTexts = {
  sent: 'Your message has been sent. The member will see your email address only if they reply.',
  notContactable: "This member can't be contacted through the network",
  limits: {
    'sender-daily': "You have reached today's limit of first emails. Please try again tomorrow.",
    'recipient-daily':
      'This member has received as many first emails as they can today. Please try again tomorrow.',
    pair: 'You have already sent this member a first email',
  } satisfies Record<RelayLimit, string>,
  rateLimited: 'Too many first emails. Please try again later.',
  confirmationSent: 'We have emailed you a link: follow it to send your message.',
  studentAddress: 'Use your current student email address',
  confirmed:
    'Thank you. Your message will be sent if the member can be contacted; we will email you either way.',
  reported: 'Thank you. This sender can no longer contact you through the network.',
  tooLarge: 'Request body too large',
} as const;

export interface RelayRouteOptions {
  /** How long `POST /member/{id}/contact` waits for the workflow's outcome before answering 202 (15 s). */
  outcomeWaitMs?: number;
}

export const RELAY_OUTCOME_WAIT_MS = 15_000;
const OUTCOME_POLL_INTERVAL_MS = 100;
/** A 5,000-character message is up to about 30 KB of JSON once escaped: room for that, not for more. */
const MAX_BODY_BYTES = 48 * 1024;

// ------------------------------------------------------------------------------------------------ schemas

const MemberContactBodySchema = z.preprocess(camelizeKeys, MemberContactSchema).openapi('MemberContact', {
  description:
    'A first email to a member. Plain text: no control characters but line breaks and tabs; the subject is one line.',
});

const EmailSchema = StudentContactSchema.shape.email;

// The address check reads the settings on each request; it runs once the fields themselves are valid.
const StudentContactBodySchema = z
  .preprocess(
    camelizeKeys,
    StudentContactSchema.superRefine((contact, context) => {
      // zod runs this even when a field failed: only a well-formed address is worth the second complaint.
      if (!EmailSchema.safeParse(contact.email).success) return;
      if (!isStudentAddress(contact.email, relaySettings().studentEmailDomains)) {
        context.addIssue({ code: 'custom', path: ['email'], message: relayTexts.studentAddress });
      }
    }),
  )
  .openapi('StudentContact', {
    description: "A current student's first email to a member; `email` must be a student address.",
  });

const TokenBodySchema = z.preprocess(
  camelizeKeys,
  z.object({
    token: z.string().min(1).max(1024).openapi({ description: 'The token from the emailed link' }),
  }),
);

const RecipientParams = z.object({
  id: MemberIdSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'fred_bloggs' }),
});

const SentSchema = z
  .object({ status: z.literal('sent'), detail: z.string().openapi({ example: relayTexts.sent }) })
  .openapi('ContactSent');
const PendingSchema = z.object({ status: z.literal('pending') }).openapi('ContactPending');
const ConfirmationSentSchema = z
  .object({ status: z.literal('confirmation-sent'), detail: z.string() })
  .openapi('ContactConfirmationSent');
const ConfirmedSchema = z
  .object({ status: z.literal('confirmed'), detail: z.string() })
  .openapi('ContactConfirmed');
const ReportedSchema = z
  .object({ status: z.literal('reported'), detail: z.string() })
  .openapi('RelayReported');

const bodyErrors = {
  413: json(ErrorSchema, relayTexts.tooLarge),
  415: json(ErrorSchema, 'Unsupported Media Type'),
  422: json(ValidationErrorSchema, 'The request does not validate'),
};

/** A signed-in member, checked before the body is validated (an anonymous caller gets 401, not 422). */
const memberOnly = createMiddleware<RelayEnv>(async (c, next) => {
  requireMember(c);
  await next();
});

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ detail: relayTexts.tooLarge }, 413),
});

// ------------------------------------------------------------------------------------------------ routes

const memberContactRoute = createRoute({
  method: 'post',
  path: '/member/{id}/contact',
  tags: ['relay'],
  summary: 'A member sends a first email to member {id} through the service',
  description:
    'Starts the relay workflow and waits up to 15 s for it. The recipient sees the sender only as `Reply-To`; ' +
    "the sender learns nothing about the recipient's address. Unknown, unverified or non-consenting members, " +
    'blocked senders and the sender themself all get the same 403.',
  security: [{ bearerAuth: [] }],
  middleware: [authenticate, memberOnly, limitBody] as const,
  request: {
    params: RecipientParams,
    body: { required: true, content: { 'application/json': { schema: MemberContactBodySchema } } },
  },
  responses: {
    200: json(SentSchema, 'Sent'),
    202: json(PendingSchema, 'Still being processed after 15 s; the email is sent if it can be'),
    401: json(ErrorSchema, `${authMessages.required}, ${authMessages.invalid} or ${authMessages.memberGone}`),
    403: json(ErrorSchema, relayTexts.notContactable),
    429: json(
      ErrorSchema,
      `A limit: ${Object.values(relayTexts.limits)
        .map((text) => `\`${text}\``)
        .join(', ')}. Daily limits come with \`Retry-After\`.`,
    ),
    503: json(ErrorSchema, relayMessages.unavailable),
    ...bodyErrors,
  },
});

const studentContactRoute = createRoute({
  method: 'post',
  path: '/member/{id}/contact/student',
  tags: ['relay'],
  summary: 'A current student asks to send a first email to member {id}; we email them a confirmation link',
  description:
    'The same answer whatever the member: whether they exist or can be contacted is never revealed. The ' +
    'message is sent only once the student follows the link (`/contact/confirm`), and only if the member agreed ' +
    'to be contacted by students; the student is told the outcome by email.',
  middleware: [limitBody] as const,
  request: {
    params: RecipientParams,
    body: { required: true, content: { 'application/json': { schema: StudentContactBodySchema } } },
  },
  responses: {
    202: json(ConfirmationSentSchema, relayTexts.confirmationSent),
    503: json(ErrorSchema, relayMessages.unavailable),
    ...bodyErrors,
  },
});

const tokenQuery = z.object({ token: z.string().optional() });
const html = { description: 'HTML page', content: { 'text/html': { schema: z.string() } } };
const linkErrors = `\`${linkMessages.invalid}\`, \`${linkMessages.used}\` or \`${linkMessages.expired}\``;

const confirmPageRoute = createRoute({
  method: 'get',
  path: '/contact/confirm',
  tags: ['relay'],
  summary:
    "The page a student's confirmation link opens: pressing Confirm (a POST) confirms, opening it does not",
  request: { query: tokenQuery },
  responses: { 200: html },
});

const confirmRoute = createRoute({
  method: 'post',
  path: '/contact/confirm',
  tags: ['relay'],
  summary: "Confirms a student's address (once): the waiting relay request goes on",
  request: { body: { required: true, content: { 'application/json': { schema: TokenBodySchema } } } },
  responses: {
    200: json(ConfirmedSchema, relayTexts.confirmed),
    401: json(ErrorSchema, linkErrors),
    503: json(ErrorSchema, `${relayMessages.confirmUnavailable} The link can be used again.`),
    ...bodyErrors,
  },
});

const reportPageRoute = createRoute({
  method: 'get',
  path: '/contact/report',
  tags: ['relay'],
  summary:
    'The page the report link of a relayed email opens: pressing Report (a POST) reports, opening it does not',
  request: { query: tokenQuery },
  responses: { 200: html },
});

const reportRoute = createRoute({
  method: 'post',
  path: '/contact/report',
  tags: ['relay'],
  summary: 'Reports a relayed email as unwanted: its sender can no longer contact this member (repeatable)',
  request: { body: { required: true, content: { 'application/json': { schema: TokenBodySchema } } } },
  responses: {
    200: json(ReportedSchema, relayTexts.reported),
    401: json(ErrorSchema, `\`${linkMessages.invalid}\` or \`${linkMessages.expired}\``),
    ...bodyErrors,
  },
});

// ------------------------------------------------------------------------------------------------ pages

const confirmPage = tokenActionPage({
  title: 'New Theatre alumni: confirm your message',
  prompt: 'Press Confirm to send your message to the alumni network member.',
  button: 'Confirm',
});

const reportPage = tokenActionPage({
  title: 'New Theatre alumni: report a message',
  prompt:
    'Press Report if the message you received through the alumni network was unwanted. Its sender will not be ' +
    'able to contact you through the network again.',
  button: 'Report',
});

// ------------------------------------------------------------------------------------------------ handlers

export function registerRelayRoutes(app: OpenAPIHono, options: RelayRouteOptions = {}): void {
  const outcomeWaitMs = options.outcomeWaitMs ?? RELAY_OUTCOME_WAIT_MS;
  const relay = new OpenAPIHono<RelayEnv>({ defaultHook: validationErrorHook });

  relay.openapi(memberContactRoute, async (c) => {
    const { member } = requireMember(c);
    const { id } = c.req.valid('param');
    const { subject, message } = c.req.valid('json');
    // Nobody writes to themself through the relay; the answer is the neutral one all the same.
    if (id === member.id) throw new HttpError(403, relayTexts.notContactable);

    const executionArn = await startContactRequest(
      {
        kind: 'member',
        recipientId: id,
        sender: member,
        ...(subject === undefined ? {} : { subject }),
        message,
      },
      systemClock.now(),
    );
    const outcome = await awaitContactRequest(executionArn, outcomeWaitMs, OUTCOME_POLL_INTERVAL_MS);
    if (outcome.state === 'running') return c.json({ status: 'pending' as const }, 202);
    if (outcome.state === 'failed') {
      logger.error('Relay workflow did not finish', { status: outcome.status });
      throw new HttpError(503, relayMessages.unavailable);
    }
    const { result } = outcome;
    switch (result.outcome) {
      case 'sent':
        return c.json({ status: 'sent' as const, detail: relayTexts.sent }, 200);
      case 'not-contactable':
        throw new HttpError(403, relayTexts.notContactable);
      case 'rate-limited': {
        const daily = result.limit === 'sender-daily' || result.limit === 'recipient-daily';
        return c.json(
          { detail: result.limit ? relayTexts.limits[result.limit] : relayTexts.rateLimited },
          429,
          daily ? { 'Retry-After': String(secondsUntilTomorrowUtc(systemClock.now())) } : {},
        );
      }
      default:
        // `failed` (the email could not be sent; the limits were released) or anything unexpected.
        logger.warn('Relay request not sent', { outcome: result.outcome });
        throw new HttpError(503, relayMessages.unavailable);
    }
  });

  relay.openapi(studentContactRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { name, email, subject, message } = c.req.valid('json');
    await startContactRequest(
      {
        kind: 'student',
        recipientId: id,
        studentName: name,
        studentEmail: email,
        ...(subject === undefined ? {} : { subject }),
        message,
      },
      systemClock.now(),
    );
    return c.json({ status: 'confirmation-sent' as const, detail: relayTexts.confirmationSent }, 202);
  });

  relay.openapi(confirmPageRoute, (c) => c.html(confirmPage.html, 200, confirmPage.headers));

  relay.openapi(confirmRoute, async (c) => {
    await confirmStudentContact(c.req.valid('json').token, systemClock.now());
    return c.json({ status: 'confirmed' as const, detail: relayTexts.confirmed }, 200);
  });

  relay.openapi(reportPageRoute, (c) => c.html(reportPage.html, 200, reportPage.headers));

  relay.openapi(reportRoute, async (c) => {
    await reportRelay(c.req.valid('json').token, systemClock.now());
    return c.json({ status: 'reported' as const, detail: relayTexts.reported }, 200);
  });

  app.route('/', relay);
}
