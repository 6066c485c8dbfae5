/**
 * The authorisation matrix: EVERY route of the app, discovered from `createApp().routes`, against seven principals,
 * with the status each must get. A route without a row fails the test, and so does a row without a route.
 *
 * Each request is valid apart from who sends it (a well-formed body, a target that exists), so the status shows the
 * authorization decision, not validation. Rows that change something make their own target (a fresh member, a fresh
 * staff user, a fresh pending submission) or their own session, so the order of rows does not matter. Workflows are
 * stand-ins that only wait or end at once: the matrix is about who may start them, not what they do. The one
 * exception is submission-review, which runs for real (with a day to wait for a decision): POST /submissions/*
 * answers once its workflow has taken the submission up, and a decision resumes a real waiting execution.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createSession } from '../../core/auth/sessions.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { issueLinkToken } from '../../core/links.js';
import type { Scope } from '../../core/staff/model.js';
import { bootstrapNetworkAdmin } from '../../core/staff/repository.js';
import type { Submitter } from '../../core/submissions/model.js';
import { submit } from '../../core/submissions/review-requests.js';
import { useLocalAws } from '../helpers/aws-env.js';
import { startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';
import { putActiveStaff, putInvitedStaff, staffSessionFor, uniqueEmail } from '../helpers/staff.js';

// ------------------------------------------------------------------------------------------------ principals

const PRINCIPALS = [
  'anonymous',
  'member',
  'historyModerator',
  'alumniModerator',
  'historyAdmin',
  'networkReader',
  'networkAdmin',
] as const;
type PrincipalName = (typeof PRINCIPALS)[number];

const STAFF_SCOPES: Record<Exclude<PrincipalName, 'anonymous' | 'member' | 'networkAdmin'>, Scope[]> = {
  historyModerator: ['site:history:moderate'],
  alumniModerator: ['site:alumni:moderate'],
  historyAdmin: ['site:history:admin'],
  networkReader: ['network:read'],
};

interface Principal {
  name: PrincipalName;
  /** The principal's session token (none for anonymous). */
  token?: string;
  /** A new session of the same principal, for rows that end the session they use. */
  freshToken(): Promise<string | undefined>;
}

// ------------------------------------------------------------------------------------------------ set-up

let sfn: LocalSfn;
let app: ReturnType<typeof createApp>;
const principals = {} as Record<PrincipalName, Principal>;
/** A member the member principal is; an active member others write to; staff targets. */
let memberId: string;
let recipientId: string;
let historyModeratorTarget: string;
let staffSigningIn: string;
/** A pending history submission, for rows that only read one. */
let historySubmission: string;

const waiting = {
  Comment: 'Stand-in workflow: waits, so the route that started it has nothing else to wait for.',
  StartAt: 'Wait',
  States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } },
};
const relaySent = {
  Comment: 'Stand-in for first-email-relay: ends sent at once.',
  StartAt: 'Outcome',
  States: { Outcome: { Type: 'Pass', Result: { outcome: 'sent' }, ResultPath: '$.result', End: true } },
};

beforeAll(async () => {
  await useLocalAws('authz-matrix');
  sfn = await startLocalSfn();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: sfn.server.url,
    REGISTRATION_STATE_MACHINE_ARN: await sfn.createMachine('registration', waiting),
    FIRST_EMAIL_RELAY_STATE_MACHINE_ARN: await sfn.createMachine('first-email-relay', relaySent),
    STAFF_INVITATION_STATE_MACHINE_ARN: await sfn.createMachine('staff-invitation', waiting),
    STAFF_SIGN_IN_STATE_MACHINE_ARN: await sfn.createMachine('staff-sign-in', waiting),
    SUBMISSION_REVIEW_STATE_MACHINE_ARN: await sfn.createMachine(
      'submission-review',
      'statemachines/submission-review.asl.json',
    ),
    // Reviews wait for a decision; none times out while the matrix runs.
    SUBMISSION_DECISION_TIMEOUT_SECONDS: '86400',
    SITE_URL: 'https://alumni.example.org',
    PUBLIC_API_URL: 'https://api.alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    STUDENT_EMAIL_DOMAINS: 'students.example.ac.uk',
    SITES: 'history,alumni',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  delete process.env.SESSION_SIGNING_KEY_FILE;
  // Authorization, not the sign-in email allowance, is what this test is about.
  process.env.SIGN_IN_EMAIL_BURST = '100';
  app = createApp({ relayOutcomeWaitMs: 10_000 });

  memberId = await newMember('member');
  recipientId = await newMember('recipient', { consentMembers: true });
  principals.anonymous = { name: 'anonymous', freshToken: () => Promise.resolve(undefined) };
  const memberSession = () => createSession(memberId, 'redeem').then((session) => session.sessionToken);
  principals.member = { name: 'member', token: await memberSession(), freshToken: memberSession };

  const admin = await bootstrapNetworkAdmin({ email: uniqueEmail('admin'), name: 'Network Admin' });
  const staffIds: Partial<Record<PrincipalName, string>> = { networkAdmin: admin.id };
  for (const [name, scopes] of Object.entries(STAFF_SCOPES)) {
    staffIds[name as PrincipalName] = (await putActiveStaff(scopes, name)).id;
  }
  for (const [name, staffId] of Object.entries(staffIds) as [PrincipalName, string][]) {
    const staffSession = () => staffSessionFor(staffId);
    principals[name] = { name, token: await staffSession(), freshToken: staffSession };
  }

  historyModeratorTarget = (await putActiveStaff(['site:history:moderate'], 'target')).id;
  staffSigningIn = (await putActiveStaff(['site:alumni:moderate'], 'signing-in')).id;
  historySubmission = await pendingSubmission();
});

afterAll(async () => {
  await sfn?.stop();
});

// ------------------------------------------------------------------------------------------------ request helpers

interface MatrixRequest {
  path: string;
  body?: unknown;
  /** Overrides the principal's token (a fresh session, or the session of a fresh member). */
  token?: string | undefined;
}

const uniqueId = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;

async function newMember(label: string, consent: Record<string, boolean> = {}): Promise<string> {
  const id = uniqueId(label);
  await putActiveMember({ id, consent });
  return id;
}

/** A fresh member to act on; the member principal acts as that member (so a self-only route is its own). */
async function ownFreshMember(who: Principal): Promise<{ id: string; token: string | undefined }> {
  const id = await newMember('fresh');
  const token = who.name === 'member' ? (await createSession(id, 'redeem')).sessionToken : who.token;
  return { id, token };
}

const unknownLinkToken = () => randomBytes(32).toString('base64url');

const consent = { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false };

const registration = () => ({
  anonymousId: randomUUID(),
  fullName: 'Nora New',
  email: `${uniqueId('nora')}@example.com`,
  yearOfGraduation: 1999,
  consent,
});

/** A history submission sent through the review workflow, pending (its execution waits for a decision). */
async function pendingSubmission(
  submitter: Submitter = { id: randomUUID(), verified: false, name: 'Anna Nonymous' },
): Promise<string> {
  const submission = await submit({
    type: 'message',
    site: 'history',
    submitter,
    yearOfGraduation: null,
    targetType: 'person',
    targetId: null,
    targetName: 'Fred Bloggs',
    targetUrl: 'https://history.newtheatre.org.uk/people/fred_bloggs',
    subject: null,
    message: 'A correction from the matrix',
  });
  if (submission.status !== 'pending') throw new Error(`The submission is ${submission.status}, not pending`);
  return submission.id;
}

/** A submission body of `type`: anonymous visitors (and staff, refused anyway) name a submitter, members none. */
function submissionBody(type: 'message' | 'show' | 'bio', who: Principal) {
  return {
    targetType: 'person',
    targetName: 'Fred Bloggs',
    targetUrl: 'https://history.newtheatre.org.uk/people/fred_bloggs',
    message: 'A note from the matrix',
    ...(type === 'show' ? { show: { title: 'The Tempest', year: 1997 } } : {}),
    ...(type === 'bio' ? { bio: { fullName: 'Fred Bloggs' } } : {}),
    ...(who.name === 'member' ? {} : { submitter: { id: randomUUID(), name: 'Anna Nonymous' } }),
  };
}

const self =
  (suffix = '') =>
  () => ({ path: `/member/${memberId}${suffix}` });
const fixed = (path: string, body?: unknown) => () => ({ path, ...(body === undefined ? {} : { body }) });

// ------------------------------------------------------------------------------------------------ the matrix

/**
 * Expected statuses, in the order of the columns:
 *   anonymous, member, moderator of history, moderator of alumni, admin of history, network reader, network admin.
 */
type Expected = [number, number, number, number, number, number, number];

interface Row {
  route: string;
  /** Why the row looks as it does, where that is not obvious. */
  note?: string;
  request: (who: Principal) => MatrixRequest | Promise<MatrixRequest>;
  expected: Expected;
}

/*
 * lumina's rule, on every route: 401 only for no valid session (none sent, or a token that is no valid session); a
 * valid session without the permission is 403 `You do not have permission to perform this action`, whatever its
 * kind (a member's session on a staff route, a staff user's on a member route). A site signs its user out on a 401.
 */
const everyone = (status: number): Expected => [status, status, status, status, status, status, status];
/** Member routes: a staff session is signed in but is not a member's (403). */
const memberSelf: Expected = [401, 200, 403, 403, 403, 403, 403];
/** Any signed-in staff user; a member's session is not a staff session (403). */
const anyStaff: Expected = [401, 403, 200, 200, 200, 200, 200];
/** A history moderator (not the caller) as target: site admins of history and network staff see them. */
const manageHistoryModerator: Expected = [401, 403, 404, 404, 200, 403, 200];
/** Anonymous visitors and members submit; a staff session may not submit as a member (403). */
const submitters: Expected = [200, 200, 403, 403, 403, 403, 403];
/** Reading a history submission: its moderators and admins, and network staff. */
const readHistorySubmissions: Expected = [401, 403, 200, 403, 200, 200, 200];
/** Claiming or deciding a history submission: `moderate` on history, nothing else. */
const moderateHistory: Expected = [401, 403, 200, 403, 403, 403, 403];

const rows: Row[] = [
  // Public
  { route: 'GET /health', request: fixed('/health'), expected: everyone(200) },
  { route: 'GET /openapi.json', request: fixed('/openapi.json'), expected: everyone(200) },
  { route: 'GET /docs', request: fixed('/docs'), expected: everyone(200) },
  {
    route: 'GET /docs/swagger-initializer.js',
    request: fixed('/docs/swagger-initializer.js'),
    expected: everyone(200),
  },
  { route: 'GET /docs/:asset', request: fixed('/docs/swagger-ui.css'), expected: everyone(200) },

  // Member sessions (lumina's /auth)
  { route: 'GET /auth/check/required', request: fixed('/auth/check/required'), expected: memberSelf },
  {
    route: 'GET /auth/check/optional',
    note: "no header is fine; a staff user's session is not a member's",
    request: fixed('/auth/check/optional'),
    expected: [200, 200, 403, 403, 403, 403, 403],
  },
  {
    route: 'POST /auth/redeem',
    note: 'the link is the credential: a fresh login link works whoever sends it',
    request: async () => ({
      path: '/auth/redeem',
      body: { token: (await issueLinkToken(memberId, 'login', 3600)).token },
    }),
    expected: everyone(200),
  },
  {
    route: 'POST /auth/logout',
    request: async (who) => ({ path: '/auth/logout', token: await who.freshToken() }),
    expected: memberSelf,
  },
  {
    route: 'POST /auth/logout-all',
    request: async (who) => {
      // Log out everywhere ends every session of the member: a member of its own.
      if (who.name !== 'member') return { path: '/auth/logout-all' };
      const { token } = await ownFreshMember(who);
      return { path: '/auth/logout-all', token };
    },
    expected: memberSelf,
  },
  { route: 'GET /auth', request: fixed('/auth?token=x'), expected: everyone(200) },

  // Members
  {
    route: 'GET /member',
    note: 'staff with network:read (the network admin was bootstrapped with it)',
    request: fixed('/member'),
    expected: [401, 403, 403, 403, 403, 200, 200],
  },
  { route: 'GET /member/', request: fixed('/member/'), expected: [401, 403, 403, 403, 403, 200, 200] },
  { route: 'GET /member/:id', request: self(), expected: memberSelf },
  { route: 'GET /member/:id/check', request: self('/check'), expected: everyone(200) },
  {
    route: 'POST /member/:id',
    note: 'registration is public',
    request: () => ({ path: `/member/${uniqueId('new')}`, body: registration() }),
    expected: everyone(200),
  },
  {
    route: 'PUT /member/:id',
    request: () => ({ path: `/member/${memberId}`, body: { phone: null, consent } }),
    expected: memberSelf,
  },
  {
    route: 'DELETE /member/:id',
    request: async (who) => {
      const target = await ownFreshMember(who);
      return { path: `/member/${target.id}`, token: target.token };
    },
    expected: memberSelf,
  },
  { route: 'POST /member/:id/login', request: self('/login'), expected: everyone(200) },
  { route: 'GET /member/:id/consent', request: self('/consent'), expected: memberSelf },
  { route: 'GET /member/:id/export', request: self('/export'), expected: memberSelf },

  // Contact relay
  {
    route: 'POST /member/:id/contact',
    request: () => ({ path: `/member/${recipientId}/contact`, body: { message: 'Hello from the matrix' } }),
    expected: memberSelf,
  },
  {
    route: 'POST /member/:id/contact/student',
    note: 'public: the student proves their address by an emailed link',
    request: () => ({
      path: `/member/${recipientId}/contact/student`,
      body: {
        name: 'Stu Dent',
        email: `${uniqueId('stu')}@students.example.ac.uk`,
        message: 'Hello from a student',
      },
    }),
    expected: everyone(202),
  },
  { route: 'GET /contact/confirm', request: fixed('/contact/confirm?token=x'), expected: everyone(200) },
  {
    route: 'POST /contact/confirm',
    note: 'the link is the only credential: an unknown one is refused whoever sends it',
    request: () => ({ path: '/contact/confirm', body: { token: unknownLinkToken() } }),
    expected: everyone(401),
  },
  { route: 'GET /contact/report', request: fixed('/contact/report?token=x'), expected: everyone(200) },
  {
    route: 'POST /contact/report',
    note: 'as /contact/confirm',
    request: () => ({ path: '/contact/report', body: { token: unknownLinkToken() } }),
    expected: everyone(401),
  },

  // Staff sign-in
  {
    route: 'POST /staff/login',
    note: 'always OK: no address enumeration',
    request: fixed('/staff/login', { email: 'nobody@staff.example.org' }),
    expected: everyone(200),
  },
  { route: 'GET /staff/signin', request: fixed('/staff/signin?token=x'), expected: everyone(200) },
  {
    route: 'POST /staff/redeem',
    note: 'the link is the credential: a fresh staff-login link works whoever sends it',
    request: async () => ({
      path: '/staff/redeem',
      body: { token: (await issueLinkToken(staffSigningIn, 'staff-login', 3600)).token },
    }),
    expected: everyone(200),
  },
  { route: 'GET /staff/accept', request: fixed('/staff/accept?token=x'), expected: everyone(200) },
  {
    route: 'POST /staff/accept',
    note: 'the invitation link is the only credential (accepting is tested in staff.test.ts)',
    request: () => ({ path: '/staff/accept', body: { token: unknownLinkToken() } }),
    expected: everyone(401),
  },
  {
    route: 'POST /staff/logout',
    request: async (who) => ({ path: '/staff/logout', token: await who.freshToken() }),
    expected: anyStaff,
  },

  // Staff management
  { route: 'GET /staff/me', request: fixed('/staff/me'), expected: anyStaff },
  { route: 'GET /staff', note: 'each sees whom they may see', request: fixed('/staff'), expected: anyStaff },
  {
    route: 'POST /staff',
    note: 'inviting a history moderator: network admins and admins of history',
    request: () => ({
      path: '/staff',
      body: {
        email: uniqueEmail('invitee'),
        name: 'Ivy Invitee',
        permissions: { sites: { history: ['moderate'] } },
      },
    }),
    expected: [401, 403, 403, 403, 201, 403, 201],
  },
  {
    route: 'GET /staff/:id',
    note: 'a network reader sees everyone; moderators see only themselves (404, no existence leak)',
    request: () => ({ path: `/staff/${historyModeratorTarget}` }),
    expected: [401, 403, 404, 404, 200, 200, 200],
  },
  {
    route: 'PUT /staff/:id/permissions',
    note: 'a fresh history moderator made history admin',
    request: async () => ({
      path: `/staff/${(await putActiveStaff(['site:history:moderate'], 'promoted')).id}/permissions`,
      body: { permissions: { network: [], sites: { history: ['moderate', 'admin'] } } },
    }),
    expected: manageHistoryModerator,
  },
  {
    route: 'DELETE /staff/:id',
    request: async () => ({
      path: `/staff/${(await putActiveStaff(['site:history:moderate'], 'deleted')).id}`,
    }),
    expected: manageHistoryModerator,
  },
  {
    route: 'POST /staff/:id/reinvite',
    request: async () => ({
      path: `/staff/${(await putInvitedStaff(['site:history:moderate'], 'reinvited')).id}/reinvite`,
    }),
    expected: manageHistoryModerator,
  },

  // Submissions
  ...(['message', 'show', 'bio'] as const).map((type): Row => ({
    route: `POST /submissions/${type}`,
    note: 'anonymous with a submitter, a member without; a staff session is refused by the member middleware',
    request: (who) => ({ path: `/submissions/${type}`, body: submissionBody(type, who) }),
    expected: submitters,
  })),
  {
    route: 'GET /submissions/member/:id',
    note: 'public; what each caller sees differs (submissions.test.ts)',
    request: () => ({ path: `/submissions/member/${memberId}` }),
    expected: everyone(200),
  },
  {
    route: 'GET /submissions/member/:id/stats',
    request: () => ({ path: `/submissions/member/${memberId}/stats` }),
    expected: everyone(200),
  },
  {
    route: 'POST /submissions/:id/withdraw',
    note: "the member principal's own fresh pending submission",
    request: async () => ({
      path: `/submissions/${await pendingSubmission({ id: memberId, verified: true, name: 'Fred Bloggs' })}/withdraw`,
    }),
    expected: memberSelf,
  },

  // Moderation
  {
    route: 'GET /moderation',
    note: 'the page is public: it acts only through the staff API',
    request: fixed('/moderation'),
    expected: everyone(200),
  },
  {
    route: 'GET /moderation/queue',
    request: fixed('/moderation/queue?site=history'),
    expected: readHistorySubmissions,
  },
  {
    route: 'GET /moderation/submissions/:id',
    request: () => ({ path: `/moderation/submissions/${historySubmission}` }),
    expected: readHistorySubmissions,
  },
  {
    route: 'POST /moderation/submissions/:id/claim',
    note: 'a fresh pending history submission',
    request: async () => ({ path: `/moderation/submissions/${await pendingSubmission()}/claim` }),
    expected: moderateHistory,
  },
  {
    route: 'POST /moderation/submissions/:id/decision',
    note: 'a fresh pending history submission, approved (the real workflow resumes)',
    request: async () => ({
      path: `/moderation/submissions/${await pendingSubmission()}/decision`,
      body: { decision: 'approve' },
    }),
    expected: moderateHistory,
  },
];

// ------------------------------------------------------------------------------------------------ tests

/** Every route of the app as `METHOD path`, without Hono's middleware-only entries (`app.use`: method ALL). */
function discoveredRoutes(): string[] {
  const routes = createApp().routes.filter((route) => route.method !== 'ALL');
  return [...new Set(routes.map((route) => `${route.method} ${route.path}`))].sort();
}

async function statusOf(who: Principal, row: Row): Promise<number> {
  const [method = '', pattern = ''] = row.route.split(' ');
  const request = await row.request(who);
  if (request.path.split('?')[0]!.split('/').length !== pattern.split('/').length) {
    throw new Error(`${row.route}: the request path ${request.path} does not fit the route`);
  }
  const token = 'token' in request ? request.token : who.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.request(request.path, {
    method,
    headers,
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('authorization matrix', () => {
  it('has exactly one row for every route of the app', () => {
    const table = rows.map((row) => row.route).sort();
    expect(new Set(table).size).toBe(table.length);
    expect(table).toEqual(discoveredRoutes());
  });

  it('answers a signed-in principal 401 only where everyone gets it (the credential is a link in the body)', () => {
    for (const row of rows) {
      const signedIn = row.expected.slice(1);
      if (signedIn.includes(401)) expect(row.expected, row.route).toEqual(everyone(401));
    }
  });

  it.each(rows.map((row) => [row.route, row] as const))('%s', async (_route, row) => {
    const actual = {} as Record<PrincipalName, number>;
    for (const name of PRINCIPALS) actual[name] = await statusOf(principals[name], row);
    const expected = Object.fromEntries(PRINCIPALS.map((name, index) => [name, row.expected[index]]));
    expect(actual, row.note).toEqual(expected);
  });
});
