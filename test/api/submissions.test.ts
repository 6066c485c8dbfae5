/**
 * The submission API (`POST /submissions/message|show|bio`, `GET /submissions/member/{id}[/stats]`,
 * `POST /submissions/{id}/withdraw`) against the real stand-ins: DynamoDB Local, the SES emulator and the local
 * Step Functions runtime running the real `statemachines/submission-review.asl.json` with its task Lambdas (a
 * decision waits a day here, so a submission stays pending for as long as the file runs). Listings are seeded
 * straight into the table, so every status and every site is present without deciding each one.
 */
import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { corsPolicy } from '../../core/cors.js';
import { createSession } from '../../core/auth/sessions.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { encodeCursor } from '../../core/cursor.js';
import { indexKeys, keys } from '../../core/keys.js';
import type { Scope } from '../../core/staff/model.js';
import type {
  SubmissionItem,
  SubmissionStatus,
  SubmissionType,
  SubmissionView,
} from '../../core/submissions/model.js';
import {
  createSubmission,
  getReview,
  getSubmission,
  markPending,
} from '../../core/submissions/repository.js';
import { useLocalAws } from '../helpers/aws-env.js';
import {
  eventually,
  historyOf,
  startLocalSfn,
  statePath,
  type LocalSfn,
} from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';
import { putActiveStaff, staffSessionFor } from '../helpers/staff.js';

const REVIEW_ASL = 'statemachines/submission-review.asl.json';
const texts = {
  submitterRequired: 'You must either provide a submitter or authenticate as a member',
  submitterForbidden: 'You must not provide a submitter if you are authenticated',
  unavailable: 'Your submission could not be stored. Please try again later.',
  required: 'Authorization required',
  invalid: 'Invalid or expired token',
  forbidden: 'You do not have permission to perform this action',
  notFound: 'Submission not found',
  cannotWithdraw: 'You cannot withdraw another member’s submission',
  notWithdrawable: 'Only a pending submission can be withdrawn',
  tooLarge: 'Request body too large',
};

let sfn: LocalSfn;
let reviewArn: string;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  await useLocalAws('submissions');
  sfn = await startLocalSfn();
  reviewArn = await sfn.createMachine('submission-review', REVIEW_ASL);
  // Before the app's clients make their first request: a client resolves its endpoint once.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: sfn.server.url,
    SUBMISSION_REVIEW_STATE_MACHINE_ARN: reviewArn,
    // Nobody decides in this file: every review simply waits.
    SUBMISSION_DECISION_TIMEOUT_SECONDS: '86400',
    PUBLIC_API_URL: 'https://api.alumni.example.org',
    SITE_URL: 'https://alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    SITES: 'history,alumni',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  for (const name of ['SESSION_SIGNING_KEY_FILE', 'SUBMISSION_DEFAULT_SITE', 'SUBMISSION_REMINDER_ROUNDS']) {
    delete process.env[name];
  }
  app = createApp();
});

afterAll(async () => {
  await sfn?.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

interface CallOptions {
  token?: string;
  /** A raw Authorization header (instead of `Bearer <token>`). */
  authorization?: string;
  body?: unknown;
  rawBody?: string;
}

/** Every response body of the file: none may carry an anonymous submitter's address. */
const responseBodies: string[] = [];

async function call(method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization) headers.authorization = options.authorization;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.request(path, { method, headers, body });
  const text = await response.text();
  responseBodies.push(text);
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as unknown,
    text,
    headers: response.headers,
  };
}

const uniqueId = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;

async function newMember(fullName = 'Mary Member') {
  const id = uniqueId('member');
  await putActiveMember({ id, fullName });
  return { id, fullName, token: (await createSession(id, 'redeem')).sessionToken };
}

async function staffToken(scopes: Scope[]) {
  return staffSessionFor((await putActiveStaff(scopes)).id);
}

const anonymousEmails: string[] = [];

function anonymousSubmitter(overrides: Record<string, unknown> = {}) {
  const email = `${uniqueId('anon')}@visitor.example.net`;
  anonymousEmails.push(email);
  return { id: randomUUID(), name: 'Anna Nonymous', yearOfGraduation: 1997, email, ...overrides };
}

const target = {
  targetType: 'person',
  targetId: 'fred_bloggs',
  targetName: 'Fred Bloggs',
  targetUrl: 'https://history.newtheatre.org.uk/people/fred_bloggs',
};

const messageBody = (overrides: Record<string, unknown> = {}) => ({
  ...target,
  subject: 'A correction',
  message: 'Fred was in the 1997 panto, not the 1998 one.',
  ...overrides,
});

const showBody = (overrides: Record<string, unknown> = {}) => ({
  ...messageBody({ targetType: 'show', targetName: 'The Tempest', message: 'I ran the lights.' }),
  show: { title: 'The Tempest', year: 1997, venue: 'New Theatre', role: 'Lighting' },
  ...overrides,
});

const bioBody = (overrides: Record<string, unknown> = {}) => ({
  ...messageBody({ message: 'Fred studied English and directed three shows.' }),
  bio: {
    fullName: 'Fred Bloggs',
    yearOfGraduation: 1998,
    course: 'English',
    links: ['https://example.org/fred'],
  },
  ...overrides,
});

const bodies: Record<SubmissionType, (overrides?: Record<string, unknown>) => Record<string, unknown>> = {
  message: messageBody,
  show: showBody,
  bio: bioBody,
};

/** Executions of the review machine (every page). */
async function executionCount(): Promise<number> {
  let total = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: reviewArn, maxResults: 100, nextToken }),
    );
    total += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return total;
}

/** Every submission item of the table (not reviews or notices). */
async function submissionItemCount(): Promise<number> {
  let total = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: 'begins_with(pk, :prefix) AND sk = :sk',
        ExpressionAttributeValues: { ':prefix': 'SUBMISSION#', ':sk': 'SUBMISSION' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    total += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return total;
}

/** Everything filed under a submitter (the gsi1 partition listings read). */
async function submitterItems(submitterId: string): Promise<SubmissionItem[]> {
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :partition',
      ExpressionAttributeValues: { ':partition': indexKeys.submitterPartition(submitterId) },
    }),
  );
  return (page.Items ?? []) as SubmissionItem[];
}

/** Runs `request` and asserts it stored no submission and started no execution. */
async function changesNothing<T>(request: () => Promise<T>, submitterIds: string[] = []): Promise<T> {
  const [items, executions] = await Promise.all([submissionItemCount(), executionCount()]);
  const result = await request();
  // Anything the request started would have stored its item before answering.
  expect(await submissionItemCount()).toBe(items);
  expect(await executionCount()).toBe(executions);
  for (const id of submitterIds) expect(await submitterItems(id)).toEqual([]);
  return result;
}

function executionArnOf(submissionId: string): string {
  return `${reviewArn.replace(':stateMachine:', ':execution:')}:${submissionId}`;
}

async function describeExecution(submissionId: string) {
  return sfn.client.send(new DescribeExecutionCommand({ executionArn: executionArnOf(submissionId) }));
}

// ------------------------------------------------------------------------------------------------ submitting

describe('POST /submissions/{type}', () => {
  it('an anonymous message: 200 pending, the stored item, and a review execution started with the id only', async () => {
    const submitter = anonymousSubmitter();
    const response = await call('POST', '/submissions/message', { body: messageBody({ submitter }) });
    expect(response.status).toBe(200);
    const view = response.body as SubmissionView;
    expect(view).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'message',
      site: 'history',
      submitter: { id: submitter.id, verified: false, name: 'Anna Nonymous' },
      ...target,
      subject: 'A correction',
      message: 'Fred was in the 1997 panto, not the 1998 one.',
      show: null,
      bio: null,
      status: 'pending',
      createdAt: expect.any(String),
      decidedAt: null,
      reason: null,
    });
    // The address is kept (for the outcome email) but never shown.
    expect(response.text).not.toContain(submitter.email);

    const stored = await getSubmission(view.id);
    expect(stored).toMatchObject({
      entity: 'submission',
      id: view.id,
      type: 'message',
      site: 'history',
      status: 'pending',
      submitter: { id: submitter.id, verified: false, name: 'Anna Nonymous', email: submitter.email },
      yearOfGraduation: 1997,
      ...target,
      executionName: view.id,
      createdAt: view.createdAt,
      gsi1pk: `SUBMITTER#${submitter.id}`,
      gsi2pk: 'QUEUE#history#pending',
    });
    expect(stored?.expiresAt).toBeUndefined();
    expect((await submitterItems(submitter.id)).map((item) => item.id)).toEqual([view.id]);

    const execution = await describeExecution(view.id);
    expect(execution.status).toBe('RUNNING');
    expect(JSON.parse(execution.input!)).toEqual({ submissionId: view.id });
    const review = await eventually(async () => {
      const item = await getReview(view.id);
      return item?.taskToken ? item : undefined;
    });
    expect(review).toMatchObject({ round: 0, site: 'history', executionName: view.id });
    expect(review.outcome).toBeUndefined();
    const path = statePath(await historyOf(sfn.client, executionArnOf(view.id)));
    expect(path).toEqual(['StoreSubmission', 'AwaitDecision']);
  });

  it('a member sends no submitter: the submission is theirs, verified, under their name', async () => {
    const member = await newMember('Mona Member');
    const response = await call('POST', '/submissions/message', { token: member.token, body: messageBody() });
    expect(response).toMatchObject({
      status: 200,
      body: {
        status: 'pending',
        submitter: { id: member.id, verified: true, name: 'Mona Member' },
      },
    });
    expect((response.body as SubmissionView).submitter).toEqual({
      id: member.id,
      verified: true,
      name: 'Mona Member',
    });
    const stored = await getSubmission((response.body as SubmissionView).id);
    expect(stored).toMatchObject({
      submitter: { id: member.id, verified: true, name: 'Mona Member' },
      yearOfGraduation: null,
      gsi1pk: `SUBMITTER#${member.id}`,
    });
    expect(stored?.submitter.email).toBeUndefined();
  });

  it.each(['show', 'bio'] as const)('a %s submission stores its own fields', async (type) => {
    const submitter = anonymousSubmitter();
    const body = bodies[type]({ submitter, site: 'alumni' });
    const response = await call('POST', `/submissions/${type}`, { body });
    expect(response.status).toBe(200);
    const view = response.body as SubmissionView;
    expect(view).toMatchObject({ type, site: 'alumni', status: 'pending' });
    if (type === 'show') {
      expect(view.show).toEqual({ title: 'The Tempest', year: 1997, venue: 'New Theatre', role: 'Lighting' });
      expect(view.bio).toBeNull();
    } else {
      expect(view.bio).toEqual(body.bio);
      expect(view.show).toBeNull();
    }
    expect(await getSubmission(view.id)).toMatchObject({
      type,
      site: 'alumni',
      gsi2pk: 'QUEUE#alumni#pending',
    });
  });

  it("answers lumina's 422 for an anonymous request without a submitter; nothing stored, nothing started", async () => {
    for (const type of ['message', 'show', 'bio'] as const) {
      const response = await changesNothing(() =>
        call('POST', `/submissions/${type}`, { body: bodies[type]() }),
      );
      expect(response.status).toBe(422);
      expect(response.body).toEqual({ detail: texts.submitterRequired });
    }
  });

  it("answers lumina's 422 for a member who sends a submitter; nothing stored, nothing started", async () => {
    const member = await newMember();
    const submitter = anonymousSubmitter();
    for (const type of ['message', 'show', 'bio'] as const) {
      const response = await changesNothing(
        () =>
          call('POST', `/submissions/${type}`, { token: member.token, body: bodies[type]({ submitter }) }),
        [member.id, submitter.id],
      );
      expect(response.status).toBe(422);
      expect(response.body).toEqual({ detail: texts.submitterForbidden });
    }
  });

  it("accepts null wherever lumina's field was Optional, and stores it as if left out", async () => {
    // lumina's SubmitterRequest: `email: EmailStr | None`, `year_of_graduation: int | None`; the request's
    // `submitter`, `target_id` and `subject` were optional too. A lumina-era site sends them as null.
    const id = randomUUID();
    const anonymous = await call('POST', '/submissions/message', {
      body: messageBody({
        targetId: null,
        subject: null,
        site: null,
        submitter: { id, name: 'Fred B', email: null, yearOfGraduation: null },
      }),
    });
    expect(anonymous.status).toBe(200);
    const view = anonymous.body as SubmissionView;
    expect(view).toMatchObject({
      site: 'history',
      targetId: null,
      subject: null,
      submitter: { id, verified: false, name: 'Fred B' },
    });
    const stored = await getSubmission(view.id);
    expect(stored).toMatchObject({ yearOfGraduation: null, targetId: null, subject: null, site: 'history' });
    expect(stored!.submitter).toStrictEqual({ id, verified: false, name: 'Fred B' });

    // `submitter: null` is no submitter, as lumina read it: a member's submission, an anonymous visitor's 422.
    const member = await newMember('Nina Null');
    const mine = await call('POST', '/submissions/message', {
      token: member.token,
      body: messageBody({ submitter: null }),
    });
    expect(mine).toMatchObject({ status: 200, body: { submitter: { id: member.id, verified: true } } });
    const nobody = await changesNothing(() =>
      call('POST', '/submissions/message', { body: messageBody({ submitter: null }) }),
    );
    expect(nobody).toMatchObject({ status: 422, body: { detail: texts.submitterRequired } });

    // The optional fields of show and bio (not lumina's) read null the same way.
    const show = await call('POST', '/submissions/show', {
      body: showBody({
        submitter: anonymousSubmitter(),
        show: { title: 'The Tempest', year: 1997, venue: null, role: null },
      }),
    });
    expect(show.status).toBe(200);
    expect((await getSubmission((show.body as SubmissionView).id))!.show).toStrictEqual({
      title: 'The Tempest',
      year: 1997,
    });
    const bio = await call('POST', '/submissions/bio', {
      body: bioBody({
        submitter: anonymousSubmitter(),
        bio: { fullName: 'Fred Bloggs', yearOfGraduation: null, course: null, links: null },
      }),
    });
    expect(bio.status).toBe(200);
    expect((await getSubmission((bio.body as SubmissionView).id))!.bio).toStrictEqual({
      fullName: 'Fred Bloggs',
      yearOfGraduation: null,
    });
  });

  it("accepts lumina's snake_case keys, nested ones included", async () => {
    const id = randomUUID();
    const response = await call('POST', '/submissions/bio', {
      body: {
        target_type: 'person',
        target_id: 'fred_bloggs',
        target_name: 'Fred Bloggs',
        target_url: 'https://history.newtheatre.org.uk/people/fred_bloggs',
        message: 'Fred directed three shows.',
        submitter: { id, name: 'Sam Snake', year_of_graduation: '1985' },
        bio: { full_name: 'Fred Bloggs', year_of_graduation: 1986 },
      },
    });
    expect(response.status).toBe(200);
    const view = response.body as SubmissionView;
    expect(view).toMatchObject({
      ...target,
      submitter: { id, verified: false, name: 'Sam Snake' },
      bio: { fullName: 'Fred Bloggs', yearOfGraduation: 1986 },
      status: 'pending',
    });
    expect(await getSubmission(view.id)).toMatchObject({ yearOfGraduation: 1985, ...target });
  });

  const invalid: [string, SubmissionType, Record<string, unknown>, (string | number)[]][] = [
    ['no message', 'message', { message: undefined }, ['body', 'message']],
    ['a blank message', 'message', { message: '  \n ' }, ['body', 'message']],
    ['an oversized message', 'message', { message: 'x'.repeat(5001) }, ['body', 'message']],
    ['a control character', 'message', { message: 'Hello\u0007' }, ['body', 'message']],
    ['a newline in the subject', 'message', { subject: 'Hi\r\nBcc: x@example.com' }, ['body', 'subject']],
    ['no target name', 'message', { targetName: undefined }, ['body', 'targetName']],
    ['a javascript: target URL', 'message', { targetUrl: 'javascript:alert(1)' }, ['body', 'targetUrl']],
    ['an unknown site', 'message', { site: 'drama' }, ['body', 'site']],
    ['a malformed site', 'message', { site: 'Not A Site' }, ['body', 'site']],
    [
      'a submitter id that is no UUID',
      'message',
      { submitter: { id: 'x', name: 'A' } },
      ['body', 'submitter', 'id'],
    ],
    [
      'a submitter email that is no address',
      'message',
      { submitter: { id: randomUUID(), name: 'A', email: 'nope' } },
      ['body', 'submitter', 'email'],
    ],
    [
      'a submitter year before 1940',
      'message',
      { submitter: { id: randomUUID(), name: 'A', year_of_graduation: 1900 } },
      ['body', 'submitter', 'yearOfGraduation'],
    ],
    ['a show without its show', 'show', { show: undefined }, ['body', 'show']],
    ['a show without a year', 'show', { show: { title: 'The Tempest' } }, ['body', 'show', 'year']],
    [
      'a show year before 1940',
      'show',
      { show: { title: 'The Tempest', year: 1900 } },
      ['body', 'show', 'year'],
    ],
    [
      'a show year in the far future',
      'show',
      { show: { title: 'The Tempest', year: new Date().getUTCFullYear() + 5 } },
      ['body', 'show', 'year'],
    ],
    ['a show title on two lines', 'show', { show: { title: 'A\nB', year: 1990 } }, ['body', 'show', 'title']],
    ['a bio without its bio', 'bio', { bio: undefined }, ['body', 'bio']],
    ['a bio without fullName', 'bio', { bio: { course: 'English' } }, ['body', 'bio', 'fullName']],
    [
      'a bio with six links',
      'bio',
      { bio: { fullName: 'Fred', links: Array.from({ length: 6 }, (_, i) => `https://example.org/${i}`) } },
      ['body', 'bio', 'links'],
    ],
    [
      'a bio link that is not http',
      'bio',
      { bio: { fullName: 'Fred', links: ['ftp://example.org/fred'] } },
      ['body', 'bio', 'links', 0],
    ],
  ];

  it.each(invalid)(
    'answers 422 for %s, with its loc; nothing stored, nothing started',
    async (_label, type, overrides, loc) => {
      const submitter = anonymousSubmitter();
      const body = { ...bodies[type]({ submitter }), ...overrides };
      const response = await changesNothing(
        () => call('POST', `/submissions/${type}`, { body }),
        [submitter.id],
      );
      expect(response.status).toBe(422);
      const detail = (response.body as { detail: { type: string; loc: unknown[]; msg: string }[] }).detail;
      expect(Array.isArray(detail)).toBe(true);
      for (const issue of detail) {
        expect(issue).toEqual({ type: expect.any(String), loc: expect.any(Array), msg: expect.any(String) });
      }
      expect(detail.map((issue) => issue.loc)).toContainEqual(loc);
    },
  );

  it('says which site is unknown, and a show posted to /message keeps only the message fields', async () => {
    const response = await call('POST', '/submissions/message', {
      body: messageBody({ submitter: anonymousSubmitter(), site: 'drama' }),
    });
    expect(response.body).toEqual({
      detail: [{ type: 'custom', loc: ['body', 'site'], msg: 'Unknown site' }],
    });

    const mixed = await call('POST', '/submissions/message', {
      body: showBody({ submitter: anonymousSubmitter() }),
    });
    expect(mixed).toMatchObject({ status: 200, body: { type: 'message', show: null } });
  });

  it('answers 413 for a body too large, 400 for malformed JSON; nothing stored, nothing started', async () => {
    const submitter = anonymousSubmitter();
    const huge = await changesNothing(
      () =>
        call('POST', '/submissions/message', {
          body: messageBody({ submitter, message: 'x'.repeat(70_000) }),
        }),
      [submitter.id],
    );
    expect(huge).toMatchObject({ status: 413, body: { detail: texts.tooLarge } });
    const malformed = await changesNothing(() =>
      call('POST', '/submissions/message', { rawBody: '{"message": ' }),
    );
    expect(malformed.status).toBe(400);
  });

  it('answers 401 for an invalid or expired bearer token, 403 for a staff one, even with a submitter; nothing stored', async () => {
    const member = await newMember();
    const expired = await createSession(member.id, 'redeem');
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.session(member.id, expired.sessionId),
        UpdateExpression: 'SET validUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    const staff = await staffToken(['network:read']);
    for (const token of ['not-a-token', expired.sessionToken, staff]) {
      for (const body of [messageBody(), messageBody({ submitter: anonymousSubmitter() })]) {
        const response = await changesNothing(
          () => call('POST', '/submissions/message', { token, body }),
          [member.id],
        );
        // A staff user is signed in, but not as a member who may submit: lumina's 403 for a missing permission.
        expect(response).toMatchObject(
          token === staff
            ? { status: 403, body: { detail: texts.forbidden } }
            : { status: 401, body: { detail: texts.invalid } },
        );
      }
    }
  });

  it('takes an Authorization header that is not Bearer for none: an anonymous submission', async () => {
    const submitter = anonymousSubmitter();
    const response = await call('POST', '/submissions/message', {
      authorization: 'Basic Zm9vOmJhcg==',
      body: messageBody({ submitter }),
    });
    expect(response).toMatchObject({
      status: 200,
      body: { submitter: { id: submitter.id, verified: false } },
    });
  });

  it('takes ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY anonymous submissions a site a day, then 429; members still submit (issue 12, finding 10)', async () => {
    const day = new Date().toISOString().slice(0, 10);
    // Other tests of this file submit anonymously too: start from what each site has used today.
    const usedToday = async (site: string) => {
      const { Item } = await documentClient.send(
        new GetCommand({
          TableName: tableName(),
          Key: keys.anonymousSubmissionLimit(site, day),
          ConsistentRead: true,
        }),
      );
      return (Item?.count as number | undefined) ?? 0;
    };
    const [alumniUsed, historyUsed] = [await usedToday('alumni'), await usedToday('history')];
    const limit = Math.max(alumniUsed, historyUsed) + 2;
    process.env.ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY = String(limit);
    try {
      const anonymous = () =>
        call('POST', '/submissions/message', {
          body: messageBody({ site: 'alumni', submitter: anonymousSubmitter() }),
        });
      for (let used = alumniUsed; used < limit; used += 1) expect((await anonymous()).status).toBe(200);
      const executions = await executionCount();
      const items = await submissionItemCount();
      const refused = await anonymous();
      expect(refused).toMatchObject({
        status: 429,
        body: {
          detail:
            'This site has received as many submissions from visitors as it can take today. Please try again tomorrow, or sign in.',
        },
      });
      // Nothing stored, nothing started, nobody emailed.
      expect(await submissionItemCount()).toBe(items);
      expect(await executionCount()).toBe(executions);
      // A member is not counted; another site has its own allowance.
      const member = await newMember();
      expect(
        (
          await call('POST', '/submissions/message', {
            token: member.token,
            body: messageBody({ site: 'alumni' }),
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await call('POST', '/submissions/message', {
            body: messageBody({ site: 'history', submitter: anonymousSubmitter() }),
          })
        ).status,
      ).toBe(200);
    } finally {
      delete process.env.ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY;
    }
  });

  it('answers 503 when the workflow cannot be started, and removes the received submission', async () => {
    const submitter = anonymousSubmitter();
    const executions = await executionCount();
    const items = await submissionItemCount();
    process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN = reviewArn.replace(/[^:]+$/, 'no-such-machine');
    try {
      const response = await call('POST', '/submissions/message', { body: messageBody({ submitter }) });
      expect(response).toMatchObject({ status: 503, body: { detail: texts.unavailable } });
    } finally {
      process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN = reviewArn;
    }
    expect(await submitterItems(submitter.id)).toEqual([]);
    expect(await submissionItemCount()).toBe(items);
    expect(await executionCount()).toBe(executions);

    // The next request goes through again.
    expect((await call('POST', '/submissions/message', { body: messageBody({ submitter }) })).status).toBe(
      200,
    );
  });
});

// ------------------------------------------------------------------------------------------------ listing

const showDetails = { title: 'Hamlet', year: 1990 };
const bioDetails = { fullName: 'Olive Owner', yearOfGraduation: 1991, course: 'History' };

/** A submission written straight into the table in `status`, created at `at` (distinct times keep order exact). */
async function seed(
  submitterId: string,
  options: { site: string; status: SubmissionStatus; at: Date; type?: SubmissionType },
): Promise<SubmissionItem> {
  const type = options.type ?? 'message';
  const created = await createSubmission(
    {
      type,
      site: options.site,
      submitter: { id: submitterId, verified: true, name: 'Olive Owner' },
      yearOfGraduation: null,
      ...target,
      subject: `Seeded ${options.status}`,
      message: `Seeded text: ${options.status} on ${options.site}`,
      ...(type === 'show' ? { show: showDetails } : {}),
      ...(type === 'bio' ? { bio: bioDetails } : {}),
    },
    options.at,
  );
  if (options.status === 'received') return created;
  await markPending(created.id, created.executionName, new Date());
  if (options.status !== 'pending') {
    const queue = indexKeys.moderationQueue(options.site, options.status, created.createdAt, created.id);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.submission(created.id),
        UpdateExpression:
          'SET #status = :status, decidedAt = :at, gsi2pk = :queue, gsi2sk = :sort' +
          (options.status === 'rejected' ? ', reason = :reason' : ''),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': options.status,
          ':at': new Date(options.at.getTime() + 1000).toISOString(),
          ':queue': queue.gsi2pk,
          ':sort': queue.gsi2sk,
          ...(options.status === 'rejected' ? { ':reason': `Not for ${options.site}` } : {}),
        },
      }),
    );
  }
  return (await getSubmission(created.id))!;
}

interface Page {
  items: SubmissionView[];
  /** The `X-Next-Cursor` header; null without one. */
  cursor: string | null;
}

/** One listing: lumina's plain array, with the next page's cursor in `X-Next-Cursor` (and `Link`) when any. */
async function list(submitterId: string, token?: string, query = ''): Promise<Page> {
  const path = `/submissions/member/${submitterId}${query}`;
  const response = await call('GET', path, token ? { token } : {});
  expect(response.status).toBe(200);
  expect(Array.isArray(response.body)).toBe(true);
  const cursor = response.headers.get('X-Next-Cursor');
  const link = response.headers.get('Link');
  if (cursor === null) expect(link).toBeNull();
  else {
    // The same next page as a URL relative to the request's (RFC 8288 and 3986).
    const next = /^<([^>]+)>; rel="next"$/.exec(link ?? '')?.[1];
    const resolved = new URL(next ?? '', `http://api.example${path}`);
    expect(resolved.pathname).toBe(`/submissions/member/${submitterId}`);
    expect(resolved.searchParams.get('cursor')).toBe(cursor);
    expect(resolved.searchParams.get('limit')).toBe(new URLSearchParams(query).get('limit') ?? '100');
  }
  return { items: response.body as SubmissionView[], cursor };
}

async function stats(submitterId: string, token?: string): Promise<number> {
  const response = await call('GET', `/submissions/member/${submitterId}/stats`, token ? { token } : {});
  expect(response.status).toBe(200);
  return (response.body as { count: number }).count;
}

/** Every page, following the cursor. */
async function listAll(submitterId: string, token: string | undefined, limit: number) {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await list(submitterId, token, query);
    pages.push(page);
    cursor = page.cursor;
  } while (cursor && pages.length < 20);
  return pages;
}

describe('GET /submissions/member/{id} and /stats', () => {
  let owner: Awaited<ReturnType<typeof newMember>>;
  let other: Awaited<ReturnType<typeof newMember>>;
  /** Newest first, as listed; the received one is never listed. */
  let seeded: SubmissionItem[];
  let received: SubmissionItem;
  const tokens = {} as Record<
    'networkReader' | 'networkAdmin' | 'historyModerator' | 'alumniModerator' | 'historyAdmin',
    string
  >;

  beforeAll(async () => {
    owner = await newMember('Olive Owner');
    other = await newMember('Otto Other');
    const base = Date.now() - 3600_000;
    const at = (minutes: number) => new Date(base + minutes * 60_000);
    const oldestFirst = [
      await seed(owner.id, { site: 'history', status: 'approved', at: at(1), type: 'bio' }),
      await seed(owner.id, { site: 'history', status: 'rejected', at: at(2) }),
      await seed(owner.id, { site: 'alumni', status: 'approved', at: at(3), type: 'show' }),
      await seed(owner.id, { site: 'alumni', status: 'pending', at: at(4) }),
      await seed(owner.id, { site: 'history', status: 'pending', at: at(5), type: 'show' }),
      await seed(owner.id, { site: 'alumni', status: 'rejected', at: at(6), type: 'bio' }),
      await seed(owner.id, { site: 'history', status: 'withdrawn', at: at(7) }),
    ];
    received = await seed(owner.id, { site: 'history', status: 'received', at: at(8) });
    seeded = oldestFirst.reverse();
    tokens.networkReader = await staffToken(['network:read']);
    tokens.networkAdmin = await staffToken(['network:admin']);
    tokens.historyModerator = await staffToken(['site:history:moderate']);
    tokens.alumniModerator = await staffToken(['site:alumni:moderate']);
    tokens.historyAdmin = await staffToken(['site:history:admin']);
  });

  const ids = (items: { id: string }[]) => items.map((item) => item.id);

  function expectFull(view: SubmissionView, item: SubmissionItem) {
    expect(view).toMatchObject({
      id: item.id,
      type: item.type,
      site: item.site,
      status: item.status,
      message: item.message,
      subject: item.subject,
      reason: item.reason ?? null,
      bio: item.bio ?? null,
      show: item.show ?? null,
      submitter: { id: owner.id, verified: true, name: 'Olive Owner' },
    });
  }

  function expectPublic(view: SubmissionView, item: SubmissionItem) {
    expect(item.status).toBe('approved');
    expect(view).toMatchObject({
      id: item.id,
      status: 'approved',
      site: item.site,
      targetName: item.targetName,
    });
    expect(view.message).toBeNull();
    expect(view.bio).toBeNull();
    expect(view.reason).toBeNull();
  }

  it('anonymous callers and other members see approved submissions only, without their text', async () => {
    const approved = seeded.filter((item) => item.status === 'approved');
    for (const token of [undefined, other.token]) {
      const page = await list(owner.id, token);
      expect(ids(page.items)).toEqual(ids(approved));
      page.items.forEach((view, index) => expectPublic(view, approved[index]!));
      // A show's details are public; a bio's text and details are not.
      expect(page.items.find((view) => view.type === 'show')?.show).toEqual(showDetails);
      expect(page.cursor).toBeNull();
      expect(await stats(owner.id, token)).toBe(2);
    }
  });

  it('the member themself sees every submission (not the received one) in full, newest first', async () => {
    const page = await list(owner.id, owner.token);
    expect(ids(page.items)).toEqual(ids(seeded));
    expect(ids(page.items)).not.toContain(received.id);
    page.items.forEach((view, index) => expectFull(view, seeded[index]!));
    expect(page.items.filter((view) => view.status === 'rejected').map((view) => view.reason)).toEqual([
      'Not for alumni',
      'Not for history',
    ]);
    expect(await stats(owner.id, owner.token)).toBe(7);
  });

  it('staff with network:read (or network:admin) see every submission in full', async () => {
    for (const token of [tokens.networkReader, tokens.networkAdmin]) {
      const page = await list(owner.id, token);
      expect(ids(page.items)).toEqual(ids(seeded));
      page.items.forEach((view, index) => expectFull(view, seeded[index]!));
      expect(await stats(owner.id, token)).toBe(7);
    }
  });

  it.each([
    ['historyModerator', 'history'],
    ['historyAdmin', 'history'],
    ['alumniModerator', 'alumni'],
  ] as const)(
    "a %s sees their site's submissions in full, another site's approved ones only and without text",
    async (who, site) => {
      const visible = seeded.filter((item) => item.site === site || item.status === 'approved');
      const page = await list(owner.id, tokens[who]);
      expect(ids(page.items)).toEqual(ids(visible));
      page.items.forEach((view, index) => {
        const item = visible[index]!;
        if (item.site === site) expectFull(view, item);
        else expectPublic(view, item);
      });
      expect(await stats(owner.id, tokens[who])).toBe(visible.length);
    },
  );

  it('pages newest first with a cursor, for the full and the approved-only view alike', async () => {
    const full = await listAll(owner.id, owner.token, 3);
    expect(full.map((page) => page.items.length)).toEqual([3, 3, 1]);
    expect(full.at(-1)!.cursor).toBeNull();
    expect(ids(full.flatMap((page) => page.items))).toEqual(ids(seeded));

    // A site's staff get full pages too: other sites' non-approved submissions are filtered in the query.
    const moderated = await listAll(owner.id, tokens.historyModerator, 2);
    const visible = seeded.filter((item) => item.site === 'history' || item.status === 'approved');
    expect(moderated.map((page) => page.items.length)).toEqual([2, 2, 1]);
    expect(ids(moderated.flatMap((page) => page.items))).toEqual(ids(visible));

    const approved = await listAll(owner.id, undefined, 1);
    const approvedIds = ids(approved.flatMap((page) => page.items));
    expect(approvedIds).toEqual(ids(seeded.filter((item) => item.status === 'approved')));
    expect(approved.every((page) => page.items.length <= 1)).toBe(true);
  });

  it("answers lumina's JSON array: the newest 100 without a limit, the rest through X-Next-Cursor", async () => {
    const anonymousId = randomUUID();
    const base = Date.now() - 7200_000;
    const made: SubmissionItem[] = [];
    for (let minute = 0; minute < 101; minute++) {
      made.push(
        await seed(anonymousId, {
          site: 'history',
          status: 'approved',
          at: new Date(base + minute * 60_000),
        }),
      );
    }
    const newestFirst = ids(made).reverse();
    const response = await call('GET', `/submissions/member/${anonymousId}`);
    expect(response.status).toBe(200);
    // What a lumina-era site iterates: the array itself.
    expect(ids(response.body as SubmissionView[])).toEqual(newestFirst.slice(0, 100));
    const first = await list(anonymousId);
    expect(first.cursor).toEqual(expect.any(String));
    const rest = await list(anonymousId, undefined, `?cursor=${encodeURIComponent(first.cursor!)}`);
    expect(ids(rest.items)).toEqual(newestFirst.slice(100));
    expect(rest.cursor).toBeNull();
    expect(await stats(anonymousId)).toBe(101);
  });

  it('documents the array and its paging headers in OpenAPI; every documented header is one CORS exposes', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, ResponseDoc> }>>;
    };
    interface ResponseDoc {
      headers?: Record<string, unknown>;
      content?: Record<string, { schema: { type?: string } }>;
    }
    const listing = document.paths['/submissions/member/{id}']!.get!.responses['200']!;
    expect(listing.content?.['application/json']?.schema.type).toBe('array');
    expect(Object.keys(listing.headers ?? {}).sort()).toEqual(['Link', 'X-Next-Cursor']);
    const documented = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) =>
        Object.values(operation.responses).flatMap((response) => Object.keys(response.headers ?? {})),
      ),
    );
    for (const header of documented) expect(corsPolicy.exposeHeaders).toContain(header.toLowerCase());
  });

  it('an anonymous id lists like a member id; an id with no submissions lists nothing', async () => {
    const anonymousId = randomUUID();
    const item = await seed(anonymousId, { site: 'alumni', status: 'approved', at: new Date() });
    expect(ids((await list(anonymousId)).items)).toEqual([item.id]);
    expect(await list(uniqueId('nobody'))).toEqual({ items: [], cursor: null });
    expect(await stats(uniqueId('nobody'))).toBe(0);
  });

  it('answers 422 for an invalid cursor, a cursor of another partition, a bad limit and a bad id', async () => {
    const first = await list(owner.id, owner.token, '?limit=2');
    expect(first.cursor).toEqual(expect.any(String));
    const invalidCursor = {
      detail: [{ type: 'value_error', loc: ['query', 'cursor'], msg: 'Invalid cursor' }],
    };

    const garbage = await call('GET', `/submissions/member/${owner.id}?cursor=not-a-cursor`, {
      token: owner.token,
    });
    expect(garbage).toMatchObject({ status: 422, body: invalidCursor });
    // A real cursor handed out for the owner, replayed against another submitter.
    const replayed = await call('GET', `/submissions/member/${other.id}?cursor=${first.cursor}`, {
      token: other.token,
    });
    expect(replayed).toMatchObject({ status: 422, body: invalidCursor });
    // A forged key naming the owner's partition, sent as another member's listing.
    const forged = encodeCursor({
      pk: keys.submission(seeded[0]!.id).pk,
      sk: 'SUBMISSION',
      gsi1pk: indexKeys.submitterPartition(owner.id),
      gsi1sk: seeded[0]!.gsi1sk,
    });
    expect(await call('GET', `/submissions/member/${other.id}?cursor=${forged}`)).toMatchObject({
      status: 422,
      body: invalidCursor,
    });
    // An extra attribute (steering the query to another index) is refused too.
    const steered = encodeCursor({
      pk: 'x',
      sk: 'y',
      gsi1pk: indexKeys.submitterPartition(owner.id),
      gsi1sk: 'z',
      gsi2pk: 'q',
    });
    expect((await call('GET', `/submissions/member/${owner.id}?cursor=${steered}`)).status).toBe(422);

    for (const limit of ['0', '101', 'abc']) {
      const response = await call('GET', `/submissions/member/${owner.id}?limit=${limit}`);
      expect(response).toMatchObject({ status: 422, body: { detail: [{ loc: ['query', 'limit'] }] } });
    }
    expect(await call('GET', '/submissions/member/Not%20An%20Id')).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['path', 'id'] }] },
    });
    expect((await call('GET', '/submissions/member/Not%20An%20Id/stats')).status).toBe(422);
  });

  it('answers 401 for an invalid bearer token; a header that is not Bearer is none (the public view)', async () => {
    for (const path of [`/submissions/member/${owner.id}`, `/submissions/member/${owner.id}/stats`]) {
      expect(await call('GET', path, { token: 'not-a-token' })).toMatchObject({
        status: 401,
        body: { detail: texts.invalid },
      });
    }
    const approved = seeded.filter((item) => item.status === 'approved');
    const basic = await call('GET', `/submissions/member/${owner.id}`, {
      authorization: 'Basic Zm9vOmJhcg==',
    });
    expect(basic.status).toBe(200);
    expect(ids(basic.body as SubmissionView[])).toEqual(ids(approved));
  });
});

// ------------------------------------------------------------------------------------------------ withdrawing

describe('POST /submissions/{id}/withdraw', () => {
  async function submitAsMember(member: { token: string }) {
    const response = await call('POST', '/submissions/message', { token: member.token, body: messageBody() });
    expect(response).toMatchObject({ status: 200, body: { status: 'pending' } });
    const id = (response.body as SubmissionView).id;
    // The review is waiting for a decision.
    await eventually(async () => ((await getReview(id))?.taskToken ? true : undefined));
    return id;
  }

  it('the submitter withdraws a pending submission: withdrawn, and its execution is stopped', async () => {
    const member = await newMember();
    const id = await submitAsMember(member);
    const response = await call('POST', `/submissions/${id}/withdraw`, { token: member.token });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id, status: 'withdrawn', decidedAt: expect.any(String) });

    expect(await getSubmission(id)).toMatchObject({ status: 'withdrawn', gsi2pk: 'QUEUE#history#withdrawn' });
    const review = await getReview(id);
    expect(review).toMatchObject({ outcome: 'withdraw', decidedBy: 'submitter' });
    expect(review?.taskToken).toBeUndefined();
    const execution = await eventually(async () => {
      const described = await describeExecution(id);
      return described.status === 'RUNNING' ? undefined : described;
    });
    expect(execution).toMatchObject({ status: 'ABORTED', error: 'SubmissionWithdrawn' });

    // Listed as withdrawn to the member, and not at all to anyone else.
    expect((await list(member.id, member.token)).items).toMatchObject([{ id, status: 'withdrawn' }]);
    expect((await list(member.id)).items).toEqual([]);

    // Not pending any more: 409, nothing changes.
    expect(await call('POST', `/submissions/${id}/withdraw`, { token: member.token })).toMatchObject({
      status: 409,
      body: { detail: texts.notWithdrawable },
    });
  });

  it('another member gets 403 and the submission stays pending; so does a member for an anonymous one', async () => {
    const owner = await newMember();
    const id = await submitAsMember(owner);
    const stranger = await newMember();
    expect(await call('POST', `/submissions/${id}/withdraw`, { token: stranger.token })).toMatchObject({
      status: 403,
      body: { detail: texts.cannotWithdraw },
    });
    expect((await getSubmission(id))?.status).toBe('pending');
    expect((await describeExecution(id)).status).toBe('RUNNING');

    // An anonymous submitter's id is not a credential: a member whose id it is cannot withdraw it either.
    const anonymous = await call('POST', '/submissions/message', {
      body: messageBody({ submitter: anonymousSubmitter() }),
    });
    const anonymousId = (anonymous.body as SubmissionView).id;
    expect(
      (await call('POST', `/submissions/${anonymousId}/withdraw`, { token: stranger.token })).status,
    ).toBe(403);
    expect((await getSubmission(anonymousId))?.status).toBe('pending');
  });

  it('answers 401 without a member session, 403 to staff, 404 for an unknown or received one, 409 when decided', async () => {
    const member = await newMember();
    const id = await submitAsMember(member);
    expect(await call('POST', `/submissions/${id}/withdraw`)).toMatchObject({
      status: 401,
      body: { detail: texts.required },
    });
    const staff = await staffToken(['network:admin']);
    expect(await call('POST', `/submissions/${id}/withdraw`, { token: staff })).toMatchObject({
      status: 403,
      body: { detail: texts.forbidden },
    });

    expect(
      await call('POST', `/submissions/${randomUUID()}/withdraw`, { token: member.token }),
    ).toMatchObject({
      status: 404,
      body: { detail: texts.notFound },
    });
    const received = await seed(member.id, { site: 'history', status: 'received', at: new Date() });
    expect((await call('POST', `/submissions/${received.id}/withdraw`, { token: member.token })).status).toBe(
      404,
    );
    expect((await call('POST', '/submissions/not-a-uuid/withdraw', { token: member.token })).status).toBe(
      422,
    );

    const approved = await seed(member.id, { site: 'history', status: 'approved', at: new Date() });
    expect(await call('POST', `/submissions/${approved.id}/withdraw`, { token: member.token })).toMatchObject(
      {
        status: 409,
        body: { detail: texts.notWithdrawable },
      },
    );
    expect((await getSubmission(approved.id))?.status).toBe('approved');
    expect((await getSubmission(id))?.status).toBe('pending');
  });
});

describe('every response', () => {
  it("never contains an anonymous submitter's address", () => {
    expect(responseBodies.length).toBeGreaterThan(50);
    expect(anonymousEmails.length).toBeGreaterThan(10);
    for (const body of responseBodies) {
      for (const email of anonymousEmails) expect(body).not.toContain(email);
    }
  });
});
