/**
 * The moderation API (`/moderation/queue`, `/moderation/submissions/{id}`, `/claim`, `/decision`, and the page at
 * `/moderation`) against the real stand-ins: DynamoDB Local, the SES emulator and the local Step Functions runtime
 * running the real `statemachines/submission-review.asl.json` with its task Lambdas. Submissions are sent through
 * the API, so every decision resumes a real waiting execution. Every response body is kept and scanned for the
 * task tokens the workflow stored.
 */
import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { createSession } from '../../core/auth/sessions.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import type { Scope } from '../../core/staff/model.js';
import type { ReviewView, SubmissionView } from '../../core/submissions/model.js';
import { getReview, getSubmission } from '../../core/submissions/repository.js';
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
  required: 'Authorization required',
  invalid: 'Invalid or expired token',
  forbidden: 'You do not have permission to perform this action',
  notFound: 'Submission not found',
  claimed: 'Another moderator has claimed this submission',
  decided: 'A decision has already been made on this submission',
  withdrawn: 'This submission was withdrawn by its submitter',
  reasonRequired: 'Give a reason when rejecting a submission',
};

let sfn: LocalSfn;
let reviewArn: string;
let app: ReturnType<typeof createApp>;

interface Staff {
  id: string;
  token: string;
}
const staff = {} as Record<
  | 'moderator'
  | 'secondModerator'
  | 'alumniModerator'
  | 'historyAdmin'
  | 'networkReader'
  | 'networkAdmin'
  | 'dramaModerator',
  Staff
>;

beforeAll(async () => {
  await useLocalAws('moderation');
  sfn = await startLocalSfn();
  reviewArn = await sfn.createMachine('submission-review', REVIEW_ASL);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: sfn.server.url,
    SUBMISSION_REVIEW_STATE_MACHINE_ARN: reviewArn,
    // Only decisions end a review here.
    SUBMISSION_DECISION_TIMEOUT_SECONDS: '86400',
    PUBLIC_API_URL: 'https://api.alumni.example.org',
    SITE_URL: 'https://alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    // `drama` holds only the queue test's submissions, so its queue is exactly known.
    SITES: 'history,alumni,drama',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  for (const name of [
    'SESSION_SIGNING_KEY_FILE',
    'SUBMISSION_DEFAULT_SITE',
    'SUBMISSION_REMINDER_ROUNDS',
    'MODERATION_CLAIM_SECONDS',
  ]) {
    delete process.env[name];
  }
  app = createApp();

  const scopes: Record<keyof typeof staff, Scope[]> = {
    moderator: ['site:history:moderate'],
    secondModerator: ['site:history:moderate'],
    alumniModerator: ['site:alumni:moderate'],
    historyAdmin: ['site:history:admin'],
    networkReader: ['network:read'],
    networkAdmin: ['network:admin', 'network:read'],
    dramaModerator: ['site:drama:moderate'],
  };
  for (const [name, granted] of Object.entries(scopes) as [keyof typeof staff, Scope[]][]) {
    const user = await putActiveStaff(granted, name);
    staff[name] = { id: user.id, token: await staffSessionFor(user.id) };
  }
});

afterAll(async () => {
  await sfn?.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

/** Every response body of the file, scanned at the end for the task tokens. */
const responseBodies: string[] = [];
/** The task tokens the workflow stored for the file's submissions. */
const storedTokens = new Set<string>();

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.request(path, { method, headers, body });
  const text = await response.text();
  responseBodies.push(text);
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    body: (type.includes('json') && text ? JSON.parse(text) : text) as unknown,
    text,
  };
}

type Moderated = SubmissionView & { review: ReviewView };

/**
 * Sends an anonymous submission through the API and waits until its review round holds a task token (remembered
 * for the scan): the execution is then waiting for a decision.
 */
async function submitted(site = 'history', message = 'The programme lists the wrong director.') {
  const response = await call('POST', '/submissions/message', {
    body: {
      targetType: 'show',
      targetName: 'The Tempest',
      targetUrl: 'https://history.newtheatre.org.uk/shows/tempest',
      message,
      site,
      submitter: { id: randomUUID(), name: 'Anna Nonymous', email: `${randomUUID()}@visitor.example.net` },
    },
  });
  expect(response).toMatchObject({ status: 200, body: { status: 'pending', site } });
  const id = (response.body as SubmissionView).id;
  const token = await eventually(async () => (await getReview(id))?.taskToken);
  storedTokens.add(token);
  return id;
}

const decision = (id: string, who: Staff, body: object) =>
  call('POST', `/moderation/submissions/${id}/decision`, { token: who.token, body });

const claim = (id: string, who: Staff) =>
  call('POST', `/moderation/submissions/${id}/claim`, { token: who.token });

async function executionOf(id: string) {
  const executionArn = `${reviewArn.replace(':stateMachine:', ':execution:')}:${id}`;
  const described = await eventually(async () => {
    const execution = await sfn.client.send(new DescribeExecutionCommand({ executionArn }));
    return execution.status === 'RUNNING' ? undefined : execution;
  });
  return { status: described.status, path: statePath(await historyOf(sfn.client, executionArn)) };
}

// ------------------------------------------------------------------------------------------------ the page

describe('GET /moderation', () => {
  it('serves the page to anyone (it acts only through the staff API) and changes nothing', async () => {
    const id = await submitted();
    const response = await app.request(`/moderation?submission=${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const html = await response.text();
    responseBodies.push(html);
    expect(html).not.toContain('Anna Nonymous');
    expect((await getSubmission(id))?.status).toBe('pending');
  });
});

// ------------------------------------------------------------------------------------------------ the queue

describe('GET /moderation/queue', () => {
  let oldestFirst: string[];

  beforeAll(async () => {
    oldestFirst = [];
    for (let index = 0; index < 3; index++) oldestFirst.push(await submitted('drama', `Drama note ${index}`));
  });

  async function queue(who: Staff, query: string) {
    const response = await call('GET', `/moderation/queue?${query}`, { token: who.token });
    expect(response.status).toBe(200);
    return response.body as { items: SubmissionView[]; cursor: string | null };
  }

  it("lists a site's pending submissions oldest first, in full, by default", async () => {
    const page = await queue(staff.dramaModerator, 'site=drama');
    expect(page.items.map((item) => item.id)).toEqual(oldestFirst);
    expect(page.items.map((item) => item.message)).toEqual(['Drama note 0', 'Drama note 1', 'Drama note 2']);
    expect(page.items.every((item) => item.status === 'pending' && item.site === 'drama')).toBe(true);
    expect(page.cursor).toBeNull();
  });

  it('pages with a cursor; refuses a cursor that is not of this queue', async () => {
    const first = await queue(staff.dramaModerator, 'site=drama&limit=2');
    expect(first.items.map((item) => item.id)).toEqual(oldestFirst.slice(0, 2));
    expect(first.cursor).toEqual(expect.any(String));
    const second = await queue(staff.dramaModerator, `site=drama&limit=2&cursor=${first.cursor}`);
    expect(second.items.map((item) => item.id)).toEqual(oldestFirst.slice(2));
    expect(second.cursor).toBeNull();

    const invalidCursor = {
      detail: [{ type: 'value_error', loc: ['query', 'cursor'], msg: 'Invalid cursor' }],
    };
    for (const query of [
      'site=drama&cursor=not-a-cursor',
      `site=drama&status=approved&cursor=${first.cursor}`,
    ]) {
      expect(
        await call('GET', `/moderation/queue?${query}`, { token: staff.networkReader.token }),
      ).toMatchObject({
        status: 422,
        body: invalidCursor,
      });
    }
  });

  it('filters by status: a decided submission leaves the pending queue for its own', async () => {
    const id = await submitted('drama', 'Drama note to approve');
    expect((await decision(id, staff.dramaModerator, { decision: 'approve' })).status).toBe(200);
    expect((await queue(staff.dramaModerator, 'site=drama')).items.map((item) => item.id)).toEqual(
      oldestFirst,
    );
    const approved = await queue(staff.dramaModerator, 'site=drama&status=approved');
    expect(approved.items).toMatchObject([{ id, status: 'approved', message: 'Drama note to approve' }]);
    expect((await queue(staff.dramaModerator, 'site=drama&status=rejected')).items).toEqual([]);
  });

  it('is readable by the site admin and network staff; a moderator of another site gets 403', async () => {
    for (const who of [staff.networkReader, staff.networkAdmin]) {
      expect((await queue(who, 'site=drama')).items.map((item) => item.id)).toEqual(oldestFirst);
    }
    expect((await queue(staff.historyAdmin, 'site=history')).items.length).toBeGreaterThan(0);
    for (const who of [staff.moderator, staff.alumniModerator, staff.historyAdmin]) {
      expect(await call('GET', '/moderation/queue?site=drama', { token: who.token })).toMatchObject({
        status: 403,
        body: { detail: texts.forbidden },
      });
    }
  });

  it('answers 422 without a site, for an unknown site and for a status that is not listed', async () => {
    const token = staff.networkAdmin.token;
    expect(await call('GET', '/moderation/queue', { token })).toMatchObject({
      status: 422,
      body: { detail: [{ loc: ['query', 'site'] }] },
    });
    expect(await call('GET', '/moderation/queue?site=opera', { token })).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'value_error', loc: ['query', 'site'], msg: 'Unknown site' }] },
    });
    for (const query of ['site=drama&status=received', 'site=drama&status=nope', 'site=drama&limit=0']) {
      expect((await call('GET', `/moderation/queue?${query}`, { token })).status).toBe(422);
    }
  });

  it("answers 401 without a staff session (none, an invalid one) and lumina's 403 to a member's session", async () => {
    const memberId = `member_${randomUUID().slice(0, 8)}`;
    await putActiveMember({ id: memberId });
    const memberToken = (await createSession(memberId, 'redeem')).sessionToken;
    expect(await call('GET', '/moderation/queue?site=drama')).toMatchObject({
      status: 401,
      body: { detail: texts.required },
    });
    expect(await call('GET', '/moderation/queue?site=drama', { token: 'not-a-token' })).toMatchObject({
      status: 401,
      body: { detail: texts.invalid },
    });
    expect(await call('GET', '/moderation/queue?site=drama', { token: memberToken })).toMatchObject({
      status: 403,
      body: { detail: 'You do not have permission to perform this action' },
    });
  });
});

// ------------------------------------------------------------------------------------------------ one submission

describe('GET /moderation/submissions/{id}', () => {
  it('shows the submission in full with its review, never the task token', async () => {
    const id = await submitted();
    const response = await call('GET', `/moderation/submissions/${id}`, { token: staff.moderator.token });
    expect(response.status).toBe(200);
    const body = response.body as Moderated;
    expect(body).toMatchObject({
      id,
      site: 'history',
      status: 'pending',
      message: 'The programme lists the wrong director.',
      submitter: { verified: false, name: 'Anna Nonymous' },
    });
    expect(body.review).toEqual({
      round: 0,
      claimedBy: null,
      claimedUntil: null,
      outcome: null,
      decidedBy: null,
      decidedAt: null,
    });
    const stored = (await getReview(id))!.taskToken!;
    expect(response.text).not.toContain(stored);
    expect(response.text).not.toContain('taskToken');
    expect(response.text).not.toContain('@visitor.example.net');
  });

  it('is readable by the site admin and network staff; 403 for another site; 404 before 403', async () => {
    const id = await submitted();
    for (const who of [staff.historyAdmin, staff.networkReader, staff.networkAdmin, staff.secondModerator]) {
      expect((await call('GET', `/moderation/submissions/${id}`, { token: who.token })).status).toBe(200);
    }
    for (const who of [staff.alumniModerator, staff.dramaModerator]) {
      expect(await call('GET', `/moderation/submissions/${id}`, { token: who.token })).toMatchObject({
        status: 403,
        body: { detail: texts.forbidden },
      });
      expect(
        await call('GET', `/moderation/submissions/${randomUUID()}`, { token: who.token }),
      ).toMatchObject({
        status: 404,
        body: { detail: texts.notFound },
      });
    }
    expect(
      (await call('GET', '/moderation/submissions/not-a-uuid', { token: staff.moderator.token })).status,
    ).toBe(422);
    expect((await call('GET', `/moderation/submissions/${id}`)).status).toBe(401);
  });
});

// ------------------------------------------------------------------------------------------------ claiming

describe('POST /moderation/submissions/{id}/claim', () => {
  it('one moderator at a time: the claimer decides, another gets 409 for claiming and for deciding', async () => {
    const id = await submitted();
    const before = Date.now();
    const claimed = await claim(id, staff.moderator);
    expect(claimed.status).toBe(200);
    const review = (claimed.body as { review: ReviewView }).review;
    expect(review).toMatchObject({ round: 0, claimedBy: staff.moderator.id, outcome: null });
    // MODERATION_CLAIM_SECONDS defaults to 30 minutes.
    const until = Date.parse(review.claimedUntil!);
    expect(until).toBeGreaterThanOrEqual(before + 1800_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 1800_000 + 1000);
    expect(claimed.text).not.toContain('taskToken');

    expect(await claim(id, staff.secondModerator)).toMatchObject({
      status: 409,
      body: { detail: texts.claimed },
    });
    expect(
      await decision(id, staff.secondModerator, { decision: 'reject', reason: 'Not ours to publish' }),
    ).toMatchObject({ status: 409, body: { detail: texts.claimed } });
    expect((await getReview(id))?.outcome).toBeUndefined();

    // Renewing one's own claim is fine; the claim shows to other readers.
    expect((await claim(id, staff.moderator)).status).toBe(200);
    const shown = await call('GET', `/moderation/submissions/${id}`, { token: staff.secondModerator.token });
    expect((shown.body as Moderated).review.claimedBy).toBe(staff.moderator.id);

    const decided = await decision(id, staff.moderator, { decision: 'approve' });
    expect(decided).toMatchObject({ status: 200, body: { id, status: 'approved' } });
    expect(await claim(id, staff.secondModerator)).toMatchObject({
      status: 409,
      body: { detail: texts.decided },
    });
  });

  it('an expired claim lets another moderator claim and decide', async () => {
    const id = await submitted();
    expect((await claim(id, staff.moderator)).status).toBe(200);
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.submissionReview(id),
        UpdateExpression: 'SET claimedUntil = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() },
      }),
    );
    expect(await claim(id, staff.secondModerator)).toMatchObject({
      status: 200,
      body: { review: { claimedBy: staff.secondModerator.id } },
    });
    expect(await claim(id, staff.moderator)).toMatchObject({ status: 409, body: { detail: texts.claimed } });
    expect(
      await decision(id, staff.secondModerator, {
        decision: 'reject',
        reason: 'Duplicate of an earlier note',
      }),
    ).toMatchObject({ status: 200, body: { status: 'rejected', reason: 'Duplicate of an earlier note' } });
  });

  it('needs moderate on the site: admins, network staff and other sites get 403; 404 for an unknown one', async () => {
    const id = await submitted();
    for (const who of [staff.historyAdmin, staff.networkReader, staff.networkAdmin, staff.alumniModerator]) {
      expect(await claim(id, who)).toMatchObject({ status: 403, body: { detail: texts.forbidden } });
    }
    expect((await getReview(id))?.claimedBy).toBeUndefined();
    expect(await claim(randomUUID(), staff.moderator)).toMatchObject({
      status: 404,
      body: { detail: texts.notFound },
    });
    expect((await call('POST', `/moderation/submissions/${id}/claim`)).status).toBe(401);
  });
});

// ------------------------------------------------------------------------------------------------ deciding

describe('POST /moderation/submissions/{id}/decision', () => {
  it('approve: 200 approved, recorded with who and when, and the real workflow ends Approved', async () => {
    const id = await submitted();
    const response = await decision(id, staff.moderator, { decision: 'approve' });
    expect(response.status).toBe(200);
    const body = response.body as Moderated;
    expect(body).toMatchObject({ id, status: 'approved', decidedAt: expect.any(String), reason: null });
    expect(body.review).toMatchObject({ outcome: 'approve', decidedBy: staff.moderator.id });
    expect(response.text).not.toContain('taskToken');

    const execution = await executionOf(id);
    expect(execution).toEqual({
      status: 'SUCCEEDED',
      path: [
        'StoreSubmission',
        'AwaitDecision',
        'Settle',
        'Outcome',
        'NotifySubmitter',
        'AfterNotify',
        'PublishApproval',
        'Approved',
      ],
    });
    expect(
      sfn.publishedEvents({ detailType: 'submission.approved' }).map((event) => event.detail),
    ).toContainEqual({
      submissionId: id,
      site: 'history',
    });
    const stored = await getSubmission(id);
    expect(stored).toMatchObject({
      status: 'approved',
      decidedBy: staff.moderator.id,
      gsi2pk: 'QUEUE#history#approved',
    });
    expect((await getReview(id))?.taskToken).toBeUndefined();
  });

  it('a second decision is 409 and changes nothing, whoever sends it', async () => {
    const id = await submitted();
    expect((await decision(id, staff.moderator, { decision: 'approve' })).status).toBe(200);
    const after = await getSubmission(id);
    for (const [who, body] of [
      [staff.secondModerator, { decision: 'reject', reason: 'Too late' }],
      [staff.moderator, { decision: 'reject', reason: 'Changed my mind' }],
      [staff.secondModerator, { decision: 'approve' }],
    ] as const) {
      expect(await decision(id, who, body)).toMatchObject({ status: 409, body: { detail: texts.decided } });
    }
    expect(await getSubmission(id)).toEqual(after);
    expect((await getReview(id))?.outcome).toBe('approve');
  });

  it('reject needs a reason (422 at body.reason, nothing recorded); with one: 200 rejected and the reason', async () => {
    const id = await submitted();
    for (const body of [{ decision: 'reject' }, { decision: 'reject', reason: '   ' }]) {
      const response = await decision(id, staff.moderator, body);
      expect(response.status).toBe(422);
      expect((response.body as { detail: { loc: unknown[] }[] }).detail).toContainEqual(
        expect.objectContaining({ loc: ['body', 'reason'] }),
      );
    }
    const missing = await decision(id, staff.moderator, { decision: 'reject' });
    expect(missing.body).toEqual({
      detail: [{ type: 'custom', loc: ['body', 'reason'], msg: texts.reasonRequired }],
    });
    for (const body of [{ decision: 'maybe' }, {}]) {
      expect(await decision(id, staff.moderator, body)).toMatchObject({
        status: 422,
        body: { detail: [{ loc: ['body', 'decision'] }] },
      });
    }
    expect((await getSubmission(id))?.status).toBe('pending');
    expect((await getReview(id))?.outcome).toBeUndefined();

    const rejected = await decision(id, staff.moderator, {
      decision: 'reject',
      reason: 'We cannot verify this',
    });
    expect(rejected).toMatchObject({
      status: 200,
      body: { status: 'rejected', reason: 'We cannot verify this', review: { outcome: 'reject' } },
    });
    const execution = await executionOf(id);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.path.at(-1)).toBe('Rejected');
  });

  it('needs moderate on the site: a history admin (and network staff) get 403 and nothing changes', async () => {
    const id = await submitted();
    for (const who of [staff.historyAdmin, staff.networkAdmin, staff.networkReader, staff.alumniModerator]) {
      expect(await decision(id, who, { decision: 'approve' })).toMatchObject({
        status: 403,
        body: { detail: texts.forbidden },
      });
    }
    expect((await getSubmission(id))?.status).toBe('pending');
    expect((await getReview(id))?.outcome).toBeUndefined();
    expect(await decision(randomUUID(), staff.moderator, { decision: 'approve' })).toMatchObject({
      status: 404,
      body: { detail: texts.notFound },
    });
    expect(
      (await call('POST', `/moderation/submissions/${id}/decision`, { body: { decision: 'approve' } }))
        .status,
    ).toBe(401);
    expect(
      (
        await call('POST', `/moderation/submissions/${id}/decision`, {
          token: staff.moderator.token,
          body: { decision: 'approve', reason: 'x'.repeat(10_000) },
        })
      ).status,
    ).toBe(413);
    expect((await getSubmission(id))?.status).toBe('pending');
  });

  it('a decision on a withdrawn submission is 409 with its own message', async () => {
    const memberId = `member_${randomUUID().slice(0, 8)}`;
    await putActiveMember({ id: memberId });
    const memberToken = (await createSession(memberId, 'redeem')).sessionToken;
    const sent = await call('POST', '/submissions/message', {
      token: memberToken,
      body: {
        targetType: 'person',
        targetName: 'Fred Bloggs',
        targetUrl: 'https://history.newtheatre.org.uk/people/fred_bloggs',
        message: 'Please remove my earlier note.',
      },
    });
    const id = (sent.body as SubmissionView).id;
    storedTokens.add(await eventually(async () => (await getReview(id))?.taskToken));
    expect((await call('POST', `/submissions/${id}/withdraw`, { token: memberToken })).status).toBe(200);
    expect(await decision(id, staff.moderator, { decision: 'approve' })).toMatchObject({
      status: 409,
      body: { detail: texts.withdrawn },
    });
    expect(await claim(id, staff.moderator)).toMatchObject({ status: 409, body: { detail: texts.decided } });
    expect((await getSubmission(id))?.status).toBe('withdrawn');
  });
});

describe('every response', () => {
  it('never contains a task token', () => {
    expect(storedTokens.size).toBeGreaterThan(10);
    expect(responseBodies.length).toBeGreaterThan(50);
    for (const body of responseBodies) {
      expect(body).not.toContain('taskToken');
      for (const token of storedTokens) expect(body).not.toContain(token);
    }
  });
});
