/**
 * Issue 5's "done when" on the whole local system: the first network admin signs in by emailed link and invites a
 * history moderator, who accepts; an anonymous visitor's message comes back `pending` and the moderator is emailed
 * a link to the moderation page; deciding through the API ends the execution SUCCEEDED with the submission
 * approved or rejected; and, with a short round, an undecided submission is reminded about and ends `expired`.
 */
import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapNetworkAdmin } from '../../core/staff/repository.js';
import type { LocalSystem } from '../../infra/local/system.js';
import { awaitEmails, type StoredEmail } from '../helpers/inbox.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

/** One workflow second is 1 ms: a 600 s round lasts 0.6 s. */
const TIME_SCALE = '0.001';

let test: TestSystem;
let system: LocalSystem;
let call: TestSystem['call'];
let sfn: SFNClient;
let moderatorToken: string;
let moderatorEmail: string;

/** What these tests read of the API's answers. */
interface Session {
  sessionToken: string;
}
interface Submission {
  id: string;
  status: string;
  submitter: { id: string };
}

function tokenIn(email: StoredEmail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]{43})\\b`).exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error(`No ${path} link in the email`);
  return match[1];
}

beforeAll(async () => {
  process.env.SUBMISSION_DECISION_TIMEOUT_SECONDS = String(30 * 24 * 3600);
  test = await startTestSystem('submission-journey', { LOCAL_TIME_SCALE: TIME_SCALE });
  ({ system, call } = test);
  sfn = new SFNClient({
    endpoint: system.urls.stepFunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  // The first admin, as `npm run staff:bootstrap` makes them, signs in by emailed link.
  const adminEmail = `admin-${randomUUID().slice(0, 8)}@staff.example`;
  await bootstrapNetworkAdmin({ email: adminEmail, name: 'Ada Admin' });
  expect((await call('POST', '/staff/login', { body: { email: adminEmail } })).status).toBe(200);
  const [signin] = await awaitEmails(system.urls.inbox, adminEmail);
  const admin = await call('POST', '/staff/redeem', { body: { token: tokenIn(signin!, '/staff/signin') } });
  expect(admin.status).toBe(200);

  // The admin invites a history moderator, who accepts from the inbox.
  moderatorEmail = `moderator-${randomUUID().slice(0, 8)}@staff.example`;
  const invited = await call('POST', '/staff', {
    token: (admin.body as Session).sessionToken,
    body: { email: moderatorEmail, name: 'Mo Moderator', permissions: { sites: { history: ['moderate'] } } },
  });
  expect(invited.status).toBe(201);
  const [invitation] = await awaitEmails(system.urls.inbox, moderatorEmail);
  const accepted = await call('POST', '/staff/accept', {
    body: { token: tokenIn(invitation!, '/staff/accept') },
  });
  expect(accepted.status).toBe(200);
  moderatorToken = (accepted.body as Session).sessionToken;
}, 60_000);

afterAll(() => test?.stop());

function anonymousMessage(subject: string) {
  return {
    targetType: 'person',
    targetName: 'Fred Bloggs',
    targetUrl: 'https://history.example/people/fred_bloggs',
    subject,
    message: 'Fred was the stage manager of Hamlet in 1999, not the lighting designer.',
    submitter: {
      id: randomUUID(),
      name: 'A Visitor',
      email: `visitor-${randomUUID().slice(0, 8)}@example.org`,
    },
  };
}

async function execution(submissionId: string) {
  const executionArn = `${system.stateMachines['submission-review']!.replace(':stateMachine:', ':execution:')}:${submissionId}`;
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  const path = (history.events ?? [])
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name);
  return { status: described.status, path };
}

async function moderationEmails(count: number) {
  const emails = await awaitEmails(system.urls.inbox, moderatorEmail, count);
  return emails.filter((email) => email.subject.includes('moderation'));
}

describe('submission review journey', () => {
  it('an anonymous message is pending, the moderator is emailed, and approving ends it approved', async () => {
    const submitted = await call('POST', '/submissions/message', { body: anonymousMessage('Approve me') });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({
      status: 'pending',
      site: 'history',
      submitter: { verified: false },
    });
    const { id } = submitted.body as Submission;

    const emails = await moderationEmails(2); // the invitation, then this submission's notice
    const notice = emails.find((email) => email.body.text?.includes(id));
    expect(notice?.subject).toBe('A submission is waiting for moderation on the history site');
    expect(notice?.body.text).toContain(`/moderation?submission=${id}`);

    const decided = await call('POST', `/moderation/submissions/${id}/decision`, {
      token: moderatorToken,
      body: { decision: 'approve' },
    });
    expect(decided.status).toBe(200);
    expect((decided.body as Submission).status).toBe('approved');
    // The answer comes once the status is final; the submitter's email and the event follow.
    await expect
      .poll(async () => (await execution(id)).status, { timeout: 10_000, interval: 50 })
      .toBe('SUCCEEDED');
    expect((await execution(id)).path.at(-1)).toBe('Approved');

    const events = (await (await fetch(system.urls.events)).json()) as {
      detail: { submissionId?: string };
    }[];
    expect(events.some((event) => event.detail.submissionId === id)).toBe(true);
    // The public now sees it, without its text.
    const listed = await call('GET', `/submissions/member/${(submitted.body as Submission).submitter.id}`);
    expect(listed.body).toEqual([expect.objectContaining({ id, status: 'approved', message: null })]);
  });

  it('rejecting with a reason ends it rejected', async () => {
    const submitted = await call('POST', '/submissions/message', { body: anonymousMessage('Reject me') });
    const { id } = submitted.body as Submission;
    await moderationEmails(3);
    const decided = await call('POST', `/moderation/submissions/${id}/decision`, {
      token: moderatorToken,
      body: { decision: 'reject', reason: 'We could not confirm this.' },
    });
    expect(decided.body).toMatchObject({ status: 'rejected', reason: 'We could not confirm this.' });
    await expect
      .poll(async () => (await execution(id)).status, { timeout: 10_000, interval: 50 })
      .toBe('SUCCEEDED');
    expect((await execution(id)).path.at(-1)).toBe('Rejected');
  });

  it('an undecided submission is reminded about, then expires', async () => {
    process.env.SUBMISSION_DECISION_TIMEOUT_SECONDS = '600';
    process.env.SUBMISSION_REMINDER_ROUNDS = '1';
    try {
      const submitted = await call('POST', '/submissions/message', { body: anonymousMessage('Forget me') });
      const { id } = submitted.body as Submission;
      const reminders = (await awaitEmails(system.urls.inbox, moderatorEmail, 5)).filter(
        (email) => email.subject.startsWith('Reminder:') && email.body.text?.includes(id),
      );
      expect(reminders).toHaveLength(1);
      await expect
        .poll(async () => (await execution(id)).status, { timeout: 10_000, interval: 100 })
        .toBe('SUCCEEDED');
      const run = await execution(id);
      expect(run.path.filter((name) => name === 'AwaitDecision')).toHaveLength(2);
      expect(run.path.at(-1)).toBe('Expired');
      const seen = await call('GET', `/moderation/submissions/${id}`, { token: moderatorToken });
      expect(seen.body).toMatchObject({
        status: 'expired',
        review: { outcome: 'expire', decidedBy: 'workflow' },
      });
    } finally {
      delete process.env.SUBMISSION_DECISION_TIMEOUT_SECONDS;
      delete process.env.SUBMISSION_REMINDER_ROUNDS;
    }
  });
});
