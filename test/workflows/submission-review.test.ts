/**
 * The submission review workflow (statemachines/submission-review.asl.json) on the local runtime with its real task
 * Lambdas, DynamoDB Local and the SES emulator (behind a fault proxy). Submissions are stored through core as the
 * API stores them and their executions started with the submission id only; decisions and withdrawals go through
 * the API's side (core/submissions/review-requests.ts), which answers the stored task token through the local
 * Step Functions endpoint. Each test reviews on a site of its own, so the staff emailed about a submission are
 * exactly the ones the test made (plus, in reminder rounds, the network admins made so far).
 */
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { DomainError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import { logger } from '../../core/logger.js';
import type { Scope, StaffItem } from '../../core/staff/model.js';
import type { SubmissionItem } from '../../core/submissions/model.js';
import { decide, withdraw } from '../../core/submissions/review-requests.js';
import {
  createSubmission,
  getReview,
  getSubmission,
  recordDecision,
  type NewSubmission,
} from '../../core/submissions/repository.js';
import { localEventBusName } from '../../infra/workflows.js';
import { sesThrottled, type InjectedResponse } from '../helpers/fault-proxy.js';
import { awaitEmails, emailsTo, type StoredEmail } from '../helpers/inbox.js';
import { count, eventually, historyOf, statePath } from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';
import { putActiveStaff } from '../helpers/staff.js';
import { startWorkflowHarness, TEST_API_URL, type WorkflowHarness } from '../helpers/workflow-harness.js';

/** One site per test (history and alumni for the first), so every email about a submission can be accounted for. */
const SITES = [
  'history',
  'alumni',
  'rejections',
  'reminders',
  'expiry',
  'withdrawals',
  'duplicates',
  'late',
  'throttled',
  'refused',
  'race',
  'logs',
  'strangers',
  'flood',
];

let harness: WorkflowHarness;
let sesUrl: string;

beforeAll(async () => {
  harness = await startWorkflowHarness('submission-review', {
    SITES: SITES.join(','),
    SUBMISSION_DECISION_TIMEOUT_SECONDS: '86400',
    SUBMISSION_REMINDER_ROUNDS: '2',
  });
  sesUrl = harness.env.sesUrl;
  // The API's side (decide, withdraw) and request-decision (answering its own token) use core's SFN client: point
  // it at the local endpoint before its first request (a client resolves its endpoint once).
  process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN = harness.stateMachineArn;
  process.env.AWS_ENDPOINT_URL_SFN = harness.sfn.server.url;
});

afterAll(async () => {
  delete process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN;
  delete process.env.SUBMISSION_DECISION_TIMEOUT_SECONDS;
  delete process.env.SUBMISSION_REMINDER_ROUNDS;
  await harness?.stop();
});

// ------------------------------------------------------------------------------------------------ helpers

const unique = () => randomUUID().slice(0, 8);
/** Addresses that share nothing with ids or names, so a leak of one can be searched for. */
const address = (label: string) => `${label}.${unique()}@mailbox-${unique()}.example`;

/** The settings StoreSubmission reads (at the start of each execution) for the round length and the rounds. */
function useSettings(decisionTimeoutSeconds: number, reminderRounds: number) {
  process.env.SUBMISSION_DECISION_TIMEOUT_SECONDS = String(decisionTimeoutSeconds);
  process.env.SUBMISSION_REMINDER_ROUNDS = String(reminderRounds);
}

const networkAdmins: StaffItem[] = [];

async function staff(scopes: Scope[], label: string): Promise<StaffItem> {
  const made = await putActiveStaff(scopes, label);
  if (scopes.includes('network:admin')) networkAdmins.push(made);
  return made;
}

const SUBMITTER_NAME = `<b>Ann</b> "O'Hara"`;
const SUBMITTER_NAME_HTML = '&lt;b&gt;Ann&lt;/b&gt; &quot;O&#39;Hara&quot;';
const TARGET_NAME = 'The <i>Tempest</i> & friends';
const TARGET_NAME_HTML = 'The &lt;i&gt;Tempest&lt;/i&gt; &amp; friends';

/** Stores a submission as the API does (`received`) and starts its execution with the submission id only. */
async function start(site: string, fields: Partial<NewSubmission> = {}) {
  const submitterEmail = address('submitter');
  const submission = await createSubmission(
    {
      type: 'message',
      site,
      submitter: { id: randomUUID(), verified: false, name: SUBMITTER_NAME, email: submitterEmail },
      yearOfGraduation: 1985,
      targetType: 'show',
      targetId: 'tempest-1985',
      targetName: TARGET_NAME,
      targetUrl: 'https://history.example.test/shows/tempest-1985',
      subject: `A correction ${unique()}`,
      message: `I was Ariel in 1985, not Caliban. <script>alert(1)</script> ${unique()}`,
      ...fields,
    },
    new Date(),
  );
  const executionArn = await harness.sfn.start(harness.stateMachineArn, submission.executionName, {
    submissionId: submission.id,
  });
  return { submission, submitterEmail: submission.submitter.email ?? submitterEmail, executionArn };
}

const moderationLink = (submissionId: string) => `${TEST_API_URL}/moderation?submission=${submissionId}`;

async function allEmails(): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  return ((await response.json()) as { emails: StoredEmail[] }).emails;
}

/** The staff emails about a submission: every one carries its moderation link. */
async function emailsAbout(submissionId: string): Promise<StoredEmail[]> {
  return (await allEmails()).filter((email) =>
    (email.body.text ?? '').includes(moderationLink(submissionId)),
  );
}

/** Who was emailed about a submission, one entry per email, sorted. */
async function recipientsAbout(submissionId: string): Promise<string[]> {
  return (await emailsAbout(submissionId)).flatMap((email) => email.destination.to).sort();
}

/** The task token of the round waiting now (the task stores it before it sends any email). */
function waitingToken(submissionId: string, round = 0): Promise<string> {
  return eventually(async () => {
    const review = await getReview(submissionId);
    return review?.taskToken && review.round === round ? review.taskToken : undefined;
  });
}

async function auditEntries(submissionId: string, at: string) {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: harness.env.tableName,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'submissionId = :id',
      ExpressionAttributeValues: { ':pk': keys.audit(at, 'x').pk, ':id': submissionId },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

function approvalEvents(submissionId: string) {
  return harness.sfn
    .publishedEvents({ detailType: 'submission.approved' })
    .filter((event) => event.detail.submissionId === submissionId);
}

/** How many times a state's task was scheduled: one attempt plus its retries. */
function attempts(events: HistoryEvent[], stateName: string): number {
  let current: string | undefined;
  let scheduled = 0;
  for (const event of events) {
    if (event.stateEnteredEventDetails) current = event.stateEnteredEventDetails.name;
    if (event.type === 'TaskScheduled' && current === stateName) scheduled++;
  }
  return scheduled;
}

async function path(executionArn: string) {
  const events = await historyOf(harness.sfn.client, executionArn);
  return { events, path: statePath(events) };
}

function expectNoTraceOf(texts: string[], where: unknown) {
  const haystack = JSON.stringify(where);
  for (const text of texts) expect(haystack).not.toContain(text);
}

/** A 409 (or other) DomainError from the API's side, with the status and message the caller sees. */
async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const APPROVED_PATH = [
  'StoreSubmission',
  'AwaitDecision',
  'Settle',
  'Outcome',
  'NotifySubmitter',
  'AfterNotify',
  'PublishApproval',
  'Approved',
];
const REJECTED_PATH = [
  'StoreSubmission',
  'AwaitDecision',
  'Settle',
  'Outcome',
  'NotifySubmitter',
  'AfterNotify',
  'Rejected',
];
const APPROVED_SUBJECT = 'Your submission to the New Theatre alumni site has been approved';
const REJECTED_SUBJECT = 'Your submission to the New Theatre alumni site was not accepted';
const DECIDED = 'A decision has already been made on this submission';
const EXPIRED = 'This submission expired before a decision was made';

// ------------------------------------------------------------------------------------------------ tests

describe('submission review workflow', () => {
  it("approve: each of the site's moderators is emailed once, the decision approves, the submitter is told, the event is published", async () => {
    useSettings(86_400, 2);
    const modA = await staff(['site:history:moderate'], 'history-mod-a');
    const modB = await staff(['site:history:moderate', 'site:alumni:moderate'], 'history-mod-b');
    const alumniModerator = await staff(['site:alumni:moderate'], 'alumni-mod');
    const historyAdmin = await staff(['site:history:admin'], 'history-admin');
    const { submission, submitterEmail, executionArn } = await start('history');
    const id = submission.id;

    const [toA] = await awaitEmails(sesUrl, modA.email);
    const [toB] = await awaitEmails(sesUrl, modB.email);
    const token = await waitingToken(id);
    expect(await getSubmission(id)).toMatchObject({ status: 'pending', gsi2pk: 'QUEUE#history#pending' });
    expect(await getReview(id)).toMatchObject({ round: 0, executionName: id, site: 'history' });
    expect((await getReview(id))?.outcome).toBeUndefined();
    for (const [email, moderator] of [
      [toA!, modA],
      [toB!, modB],
    ] as const) {
      expect(email.subject).toBe('A submission is waiting for moderation on the history site');
      expect(email.body.text).toContain(`Hello ${moderator.name},`);
      expect(email.body.text).toContain(`Open the submission: ${moderationLink(id)}`);
      expect(email.body.text).toContain(`${SUBMITTER_NAME} sent a message about "${TARGET_NAME}"`);
      expect(email.body.html).toContain(`href="${moderationLink(id)}"`);
      expect(email.body.html).toContain(SUBMITTER_NAME_HTML);
      expect(email.body.html).toContain(TARGET_NAME_HTML);
      expect(email.body.html).not.toContain('<b>Ann</b>');
      expect(email.body.html).not.toContain('<i>Tempest</i>');
      // Never the task token, nor what was written, nor the submitter's address.
      expectNoTraceOf([token, 'LST1', submission.message, submitterEmail], email);
    }

    const decided = await decide({ submissionId: id, staffId: modA.id, decision: 'approve', reason: null });
    expect(decided).toMatchObject({ status: 'approved', decidedBy: modA.id });
    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const { events, path: states } = await path(executionArn);
    expect(states).toEqual(APPROVED_PATH);
    expect(count(events, 'TaskFailed')).toBe(0);
    expect(count(events, 'TaskTimedOut')).toBe(0);
    // The execution carries ids only.
    expectNoTraceOf(
      [submission.message, submission.subject!, submitterEmail, SUBMITTER_NAME, token, modA.email],
      events,
    );

    const stored = (await getSubmission(id))!;
    expect(stored).toMatchObject({
      status: 'approved',
      decidedBy: modA.id,
      decidedAt: expect.any(String),
      gsi2pk: 'QUEUE#history#approved',
    });
    expect(stored).not.toHaveProperty('reason');
    expect(stored).not.toHaveProperty('expiresAt');
    const review = (await getReview(id))!;
    expect(review).toMatchObject({
      outcome: 'approve',
      decidedBy: modA.id,
      decidedAt: stored.decidedAt,
      round: 0,
    });
    expect(review).not.toHaveProperty('taskToken');

    // An anonymous submitter's address was never verified: the outcome is a fixed text, with nothing they wrote.
    const [told] = await awaitEmails(sesUrl, submitterEmail);
    expect(told!.subject).toBe(APPROVED_SUBJECT);
    expect(told!.body.text).toContain('Hello,');
    expect(told!.body.text).toContain('has been approved by a moderator');
    expectNoTraceOf([token, modA.email, modA.name, 'Ann', 'Tempest', submission.message], told);

    // Exactly one email to each moderator of the site; none to the other site's moderator or the site's admin.
    expect(await recipientsAbout(id)).toEqual([modA.email, modB.email].sort());
    expect(await emailsTo(sesUrl, modA.email)).toHaveLength(1);
    expect(await emailsTo(sesUrl, modB.email)).toHaveLength(1);
    expect(await emailsTo(sesUrl, alumniModerator.email)).toEqual([]);
    expect(await emailsTo(sesUrl, historyAdmin.email)).toEqual([]);
    expect(await emailsTo(sesUrl, submitterEmail)).toHaveLength(1);

    // submission.approved, recorded by the local runtime and listed at its /events: ids only.
    const published = approvalEvents(id);
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({
      executionArn,
      eventBusName: localEventBusName,
      source: 'lumina.submissions',
      detailType: 'submission.approved',
    });
    expect(published[0]!.detail).toEqual({ submissionId: id, site: 'history' });
    expectNoTraceOf([submitterEmail, SUBMITTER_NAME, 'Ann', submission.message, modA.id], published);
    const listed = (await (
      await fetch(`${harness.sfn.server.url}/events?detailType=submission.approved`)
    ).json()) as { detail: { submissionId?: string } }[];
    expect(listed.filter((event) => event.detail.submissionId === id)).toEqual(published);

    // One audit entry: ids and the decision, nothing personal.
    const audit = await auditEntries(id, stored.decidedAt!);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      entity: 'audit',
      action: 'submission.decided',
      submissionId: id,
      decision: 'approve',
      staffId: modA.id,
    });
    expectNoTraceOf([submitterEmail, SUBMITTER_NAME, modA.email, submission.message], audit);
  });

  it('reject with a reason: rejected with the reason stored, the submitter told it escaped, no event', async () => {
    useSettings(86_400, 2);
    const moderator = await staff(['site:rejections:moderate'], 'rejections-mod');
    // A member this time: the outcome goes to their member address.
    const member = await putActiveMember({
      id: `member_${unique()}`,
      email: address('member'),
      fullName: 'Rhys <Member>',
    });
    const { submission, executionArn } = await start('rejections', {
      submitter: { id: member.id, verified: true, name: member.fullName },
      yearOfGraduation: null,
    });
    const id = submission.id;
    await awaitEmails(sesUrl, moderator.email);
    const token = await waitingToken(id);

    const reason = 'Duplicate of <a href="https://evil.example">this</a> & "that" one';
    const decided = await decide({ submissionId: id, staffId: moderator.id, decision: 'reject', reason });
    expect(decided).toMatchObject({ status: 'rejected', reason, decidedBy: moderator.id });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    const { events, path: states } = await path(executionArn);
    expect(states).toEqual(REJECTED_PATH);
    expectNoTraceOf([reason, 'evil.example', member.email, token], events);

    const stored = (await getSubmission(id))!;
    expect(stored).toMatchObject({
      status: 'rejected',
      reason,
      decidedBy: moderator.id,
      decidedAt: expect.any(String),
      gsi2pk: 'QUEUE#rejections#rejected',
    });
    const review = (await getReview(id))!;
    expect(review).toMatchObject({ outcome: 'reject', reason, decidedBy: moderator.id, round: 0 });
    expect(review).not.toHaveProperty('taskToken');

    const [told] = await awaitEmails(sesUrl, member.email);
    expect(told!.subject).toBe(REJECTED_SUBJECT);
    expect(told!.body.text).toContain('A moderator decided not to accept it.');
    expect(told!.body.text).toContain(`Their reason: ${reason}`);
    expect(told!.body.html).toContain(
      'Their reason: Duplicate of &lt;a href=&quot;https://evil.example&quot;&gt;this&lt;/a&gt; &amp; &quot;that&quot; one',
    );
    expect(told!.body.html).not.toContain('<a href="https://evil.example">');
    expect(told!.body.html).toContain('Hello Rhys &lt;Member&gt;,');
    expectNoTraceOf([token, moderator.email, moderator.name], told);

    expect(approvalEvents(id)).toEqual([]);
    expect(await recipientsAbout(id)).toEqual([moderator.email]);
    expect(await auditEntries(id, stored.decidedAt!)).toEqual([
      expect.objectContaining({ decision: 'reject', staffId: moderator.id }),
    ]);
    // The audit entry never holds the moderator's text.
    expectNoTraceOf([reason], await auditEntries(id, stored.decidedAt!));
  });

  it("an anonymous submitter's unverified address gets a fixed outcome text: none of the submitter's words, no reason (issue 12, finding 10)", async () => {
    useSettings(86_400, 2);
    const moderator = await staff(['site:strangers:moderate'], 'strangers-mod');
    const stranger = address('anyone');
    const { submission, executionArn } = await start('strangers', {
      targetName: 'your bank account - verify now at evil-example dot com',
      submitter: {
        id: randomUUID(),
        verified: false,
        name: 'Security Team: your password expired',
        email: stranger,
      },
    });
    await awaitEmails(sesUrl, moderator.email);
    await waitingToken(submission.id);
    const reason = 'Spam pretending to be the bank';
    await decide({ submissionId: submission.id, staffId: moderator.id, decision: 'reject', reason });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');

    const [told] = await awaitEmails(sesUrl, stranger);
    expect(told!.subject).toBe(REJECTED_SUBJECT);
    expect(told!.body.text).toContain('was not accepted by a moderator');
    expectNoTraceOf(['Security Team', 'password', 'bank', 'evil-example', reason, submission.message], told);
    expect(await emailsTo(sesUrl, stranger)).toHaveLength(1);
  });

  it('a flood of anonymous submissions emails each moderator at most MODERATION_NOTICES_PER_DAY a day (issue 12, finding 10)', async () => {
    useSettings(86_400, 2);
    process.env.MODERATION_NOTICES_PER_DAY = '3';
    try {
      const moderators = [
        await staff(['site:flood:moderate'], 'flood-mod-a'),
        await staff(['site:flood:moderate'], 'flood-mod-b'),
      ];
      const started = await Promise.all(Array.from({ length: 5 }, () => start('flood')));
      // Every submission's first round has handled both moderators (sent or skipped) ...
      for (const { submission } of started) {
        await waitingToken(submission.id);
        await eventually(async () => {
          const { Items = [] } = await documentClient.send(
            new QueryCommand({
              TableName: harness.env.tableName,
              KeyConditionExpression: 'pk = :pk AND begins_with(sk, :notice)',
              ExpressionAttributeValues: { ':pk': keys.submission(submission.id).pk, ':notice': 'NOTICE#0#' },
              ConsistentRead: true,
            }),
          );
          return Items.length === moderators.length ? Items : undefined;
        });
      }
      // ... and each round's task has returned, so every email it sent is in the inbox (a claimed notice is sent
      // after its claim is written, so the notices alone do not say that) ...
      for (const { executionArn } of started) {
        await eventually(async () =>
          count(await historyOf(harness.sfn.client, executionArn), 'TaskSubmitted') >= 1 ? true : undefined,
        );
      }
      // ... and each moderator got 3 emails, not 5; every submission is still waiting in the queue.
      for (const moderator of moderators) expect(await emailsTo(sesUrl, moderator.email)).toHaveLength(3);
      for (const { submission } of started) {
        expect((await getSubmission(submission.id))?.status).toBe('pending');
      }
    } finally {
      delete process.env.MODERATION_NOTICES_PER_DAY;
    }
  });

  it('timeout, then a reminder escalated to the site admin and the network admin, then approve', async () => {
    // Two-second rounds: the first runs out; the decision comes well inside the second.
    useSettings(2_000, 2);
    const moderator = await staff(['site:reminders:moderate'], 'reminders-mod');
    const siteAdmin = await staff(['site:reminders:admin'], 'reminders-admin');
    const networkAdmin = await staff(['network:admin'], 'network-admin');
    const otherSiteAdmin = await staff(['site:alumni:admin'], 'alumni-admin');
    const { submission, submitterEmail, executionArn } = await start('reminders');
    const id = submission.id;

    const [first] = await awaitEmails(sesUrl, moderator.email);
    expect(first!.subject).toBe('A submission is waiting for moderation on the reminders site');
    // Round 0 is for the moderators only.
    expect(await recipientsAbout(id)).toEqual([moderator.email]);

    const [, reminder] = await awaitEmails(sesUrl, moderator.email, 2);
    const [toSiteAdmin] = await awaitEmails(sesUrl, siteAdmin.email);
    const [toNetworkAdmin] = await awaitEmails(sesUrl, networkAdmin.email);
    const token = await waitingToken(id, 1);
    await decide({ submissionId: id, staffId: moderator.id, decision: 'approve', reason: null });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    const { events, path: states } = await path(executionArn);
    expect(states).toEqual([
      'StoreSubmission',
      'AwaitDecision',
      'NextRound',
      'MoreRounds',
      'AwaitDecision',
      'Settle',
      'Outcome',
      'NotifySubmitter',
      'AfterNotify',
      'PublishApproval',
      'Approved',
    ]);
    expect(count(events, 'TaskTimedOut')).toBe(1);

    const subject = 'Reminder: a submission has been waiting for moderation on the reminders site';
    for (const email of [reminder!, toSiteAdmin!, toNetworkAdmin!]) {
      expect(email.subject).toBe(subject);
      expect(email.body.text).toContain(
        `A message about "${TARGET_NAME}" from ${SUBMITTER_NAME}, sent to the reminders site on ${submission.createdAt.slice(0, 10)}, is still waiting for a moderator.`,
      );
      expect(email.body.text).toContain(`Open the submission: ${moderationLink(id)}`);
      expect(email.body.html).toContain(SUBMITTER_NAME_HTML);
      expectNoTraceOf([token, 'LST1', submission.message, submitterEmail], email);
    }
    expect(reminder!.body.text).not.toContain('You are told as');
    expect(toSiteAdmin!.body.text).toContain(
      'You are told as an admin of the reminders site: nobody has decided it for 1 day.',
    );
    expect(toNetworkAdmin!.body.text).toContain(
      'You are told as a network admin: nobody has decided it for 1 day.',
    );

    // Round 0: the moderator; round 1: the moderator again, the site's admin and every network admin. Once each.
    expect(await recipientsAbout(id)).toEqual(
      [
        moderator.email,
        moderator.email,
        siteAdmin.email,
        ...networkAdmins.map((admin) => admin.email),
      ].sort(),
    );
    expect(await emailsTo(sesUrl, otherSiteAdmin.email)).toEqual([]);

    expect(await getSubmission(id)).toMatchObject({ status: 'approved', decidedBy: moderator.id });
    expect(await getReview(id)).toMatchObject({ outcome: 'approve', round: 1, decidedBy: moderator.id });
    expect((await awaitEmails(sesUrl, submitterEmail))[0]!.subject).toBe(APPROVED_SUBJECT);
    expect(approvalEvents(id)).toHaveLength(1);
  });

  it('final expiry: nobody decides through the reminder round, the submission expires', async () => {
    useSettings(600, 1);
    const moderator = await staff(['site:expiry:moderate'], 'expiry-mod');
    const siteAdmin = await staff(['site:expiry:admin'], 'expiry-admin');
    const { submission, submitterEmail, executionArn } = await start('expiry');
    const id = submission.id;
    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const { events, path: states } = await path(executionArn);
    expect(states).toEqual([
      'StoreSubmission',
      'AwaitDecision',
      'NextRound',
      'MoreRounds',
      'AwaitDecision',
      'NextRound',
      'MoreRounds',
      'Settle',
      'Outcome',
      'Expired',
    ]);
    // The first wait and one reminder round, each timed out.
    expect(states.filter((state) => state === 'AwaitDecision')).toHaveLength(2);
    expect(count(events, 'TaskTimedOut')).toBe(2);

    const stored = (await getSubmission(id))!;
    expect(stored).toMatchObject({
      status: 'expired',
      decidedAt: expect.any(String),
      gsi2pk: 'QUEUE#expiry#expired',
    });
    expect(stored).not.toHaveProperty('decidedBy');
    expect(stored).not.toHaveProperty('reason');
    const review = (await getReview(id))!;
    expect(review).toMatchObject({ outcome: 'expire', decidedBy: 'workflow', round: 1 });
    expect(review).not.toHaveProperty('taskToken');

    // Round 0 to the moderator, the reminder round to the moderator and the escalation; the submitter hears nothing.
    const expected = [
      moderator.email,
      moderator.email,
      siteAdmin.email,
      ...networkAdmins.map((admin) => admin.email),
    ].sort();
    await eventually(async () => ((await recipientsAbout(id)).length >= expected.length ? true : undefined));
    expect(await recipientsAbout(id)).toEqual(expected);
    expect(await emailsTo(sesUrl, submitterEmail)).toEqual([]);
    expect(approvalEvents(id)).toEqual([]);
    expect(await auditEntries(id, stored.decidedAt!)).toEqual([]);
  });

  it('withdrawal while pending: the execution is stopped, the submission withdrawn, nobody emailed again', async () => {
    // One-second rounds: had the execution not been stopped, a reminder would follow within the test.
    useSettings(1_000, 2);
    const moderator = await staff(['site:withdrawals:moderate'], 'withdrawals-mod');
    const { submission, submitterEmail, executionArn } = await start('withdrawals');
    const id = submission.id;
    await awaitEmails(sesUrl, moderator.email);
    const token = await waitingToken(id);

    const withdrawn = await withdraw(id);
    expect(withdrawn).toMatchObject({ status: 'withdrawn', decidedAt: expect.any(String) });
    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('ABORTED');
    expect((await path(executionArn)).path).toEqual(['StoreSubmission', 'AwaitDecision']);

    const stored = (await getSubmission(id))!;
    expect(stored).toMatchObject({ status: 'withdrawn', gsi2pk: 'QUEUE#withdrawals#withdrawn' });
    expect(stored).not.toHaveProperty('decidedBy');
    const review = (await getReview(id))!;
    expect(review).toMatchObject({ outcome: 'withdraw', decidedBy: 'submitter', round: 0 });
    expect(review).not.toHaveProperty('taskToken');
    // The stopped round's token is dead.
    await expect(
      harness.sfn.client.send(
        new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ outcome: 'approve' }) }),
      ),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });

    // Past the round's end: no reminder, no email to the submitter, nothing more in the history.
    await sleep(1_500);
    expect(await recipientsAbout(id)).toEqual([moderator.email]);
    expect(await emailsTo(sesUrl, submitterEmail)).toEqual([]);
    expect((await path(executionArn)).path).toEqual(['StoreSubmission', 'AwaitDecision']);
    expect(approvalEvents(id)).toEqual([]);

    // Deciding or withdrawing again is refused and changes nothing.
    const late = await refusal(
      decide({ submissionId: id, staffId: moderator.id, decision: 'approve', reason: null }),
    );
    expect(late).toMatchObject({ status: 409, message: 'This submission was withdrawn by its submitter' });
    const again = await refusal(withdraw(id));
    expect(again).toMatchObject({ status: 409, message: 'Only a pending submission can be withdrawn' });
    expect(await getSubmission(id)).toEqual(stored);
    expect(await getReview(id)).toEqual(review);
  });

  it('a second decision is refused with 409 and changes nothing; the same decision repeated is accepted', async () => {
    useSettings(86_400, 2);
    const first = await staff(['site:duplicates:moderate'], 'duplicates-mod-a');
    const second = await staff(['site:duplicates:moderate'], 'duplicates-mod-b');
    const { submission, submitterEmail, executionArn } = await start('duplicates');
    const id = submission.id;
    await awaitEmails(sesUrl, first.email);
    await awaitEmails(sesUrl, second.email);
    await waitingToken(id);

    await decide({ submissionId: id, staffId: first.id, decision: 'approve', reason: null });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    await awaitEmails(sesUrl, submitterEmail);
    const stored = (await getSubmission(id))!;
    const review = (await getReview(id))!;

    for (const attempt of [
      { staffId: second.id, decision: 'reject' as const, reason: 'I disagree' },
      { staffId: second.id, decision: 'approve' as const, reason: null },
      { staffId: first.id, decision: 'reject' as const, reason: 'Changed my mind' },
    ]) {
      const refused = await refusal(decide({ submissionId: id, ...attempt }));
      expect(refused.status).toBe(409);
      expect(refused.message).toBe(DECIDED);
    }
    // The same moderator sending the same decision again (a retried request) is answered with the outcome.
    const repeated = await decide({ submissionId: id, staffId: first.id, decision: 'approve', reason: null });
    expect(repeated).toEqual(stored);

    expect(await getSubmission(id)).toEqual(stored);
    expect(await getReview(id)).toEqual(review);
    expect(stored).toMatchObject({ status: 'approved', decidedBy: first.id });
    expect(await auditEntries(id, stored.decidedAt!)).toHaveLength(1);
    expect((await path(executionArn)).path).toEqual(APPROVED_PATH);
    expect(await emailsTo(sesUrl, submitterEmail)).toHaveLength(1);
    expect(approvalEvents(id)).toHaveLength(1);
  });

  it('a decision after expiry is refused with 409 and the submission stays expired', async () => {
    useSettings(300, 0);
    const moderator = await staff(['site:late:moderate'], 'late-mod');
    const { submission, executionArn } = await start('late');
    const id = submission.id;
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    expect((await path(executionArn)).path).toEqual([
      'StoreSubmission',
      'AwaitDecision',
      'NextRound',
      'MoreRounds',
      'Settle',
      'Outcome',
      'Expired',
    ]);
    await awaitEmails(sesUrl, moderator.email);
    const stored = (await getSubmission(id))!;
    const review = (await getReview(id))!;
    expect(stored.status).toBe('expired');
    expect(review).toMatchObject({ outcome: 'expire', decidedBy: 'workflow' });

    for (const decision of ['approve', 'reject'] as const) {
      const refused = await refusal(
        decide({
          submissionId: id,
          staffId: moderator.id,
          decision,
          reason: decision === 'reject' ? 'Late' : null,
        }),
      );
      expect(refused).toMatchObject({ status: 409, message: EXPIRED });
    }
    const notWithdrawn = await refusal(withdraw(id));
    expect(notWithdrawn).toMatchObject({
      status: 409,
      message: 'Only a pending submission can be withdrawn',
    });
    expect(await getSubmission(id)).toEqual(stored);
    expect(await getReview(id)).toEqual(review);
    expect(await auditEntries(id, stored.decidedAt!)).toEqual([]);
    expect(approvalEvents(id)).toEqual([]);
  });

  it('SES throttling while the moderators are emailed: retried, each moderator emailed exactly once', async () => {
    useSettings(86_400, 2);
    const moderators = await Promise.all(
      ['a', 'b', 'c'].map((label) => staff(['site:throttled:moderate'], `throttled-mod-${label}`)),
    );
    // Throttle the second and third requests to SES: the first moderator's email has gone out when the task
    // fails, so the retries must not send it again. The check runs on every turn of the event loop, and the second
    // email cannot be requested in the same turn as the first arrives (it waits for SES's answer and a table write).
    const before = harness.ses.forwarded();
    const armed = new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 10_000;
      const check = () => {
        if (harness.ses.forwarded() > before) {
          harness.ses.failNext(2, sesThrottled);
          resolve();
        } else if (Date.now() > deadline) reject(new Error('No email was sent'));
        else setImmediate(check);
      };
      check();
    });
    const { submission, submitterEmail, executionArn } = await start('throttled');
    const id = submission.id;
    await armed;
    for (const moderator of moderators) await awaitEmails(sesUrl, moderator.email);
    const token = await waitingToken(id);
    await decide({ submissionId: id, staffId: moderators[1]!.id, decision: 'approve', reason: null });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');

    const { events, path: states } = await path(executionArn);
    expect(states).toEqual(APPROVED_PATH);
    const failures = events.filter((event) => event.type === 'TaskFailed');
    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure.taskFailedEventDetails?.error).toBe('RetryableError');
    // One attempt and two retries of the round's task, all in the one AwaitDecision state.
    expect(attempts(events, 'AwaitDecision')).toBe(3);
    expectNoTraceOf([token], events);

    expect(await recipientsAbout(id)).toEqual(moderators.map((moderator) => moderator.email).sort());
    for (const moderator of moderators) expect(await emailsTo(sesUrl, moderator.email)).toHaveLength(1);
    expect(await getSubmission(id)).toMatchObject({ status: 'approved', decidedBy: moderators[1]!.id });
    expect(await emailsTo(sesUrl, submitterEmail)).toHaveLength(1);
  });

  it("an outcome email SES refuses for good does not fail an approved submission's execution: the approval is still published", async () => {
    useSettings(86_400, 2);
    const moderator = await staff(['site:refused:moderate'], 'refused-mod');
    const { submission, submitterEmail, executionArn } = await start('refused');
    const id = submission.id;
    await awaitEmails(sesUrl, moderator.email);
    await waitingToken(id);
    // The next request to SES is the submitter's outcome email: refused for good (an unverified address in the SES
    // sandbox), which NotifySubmitter rethrows as it is and its Catch passes over.
    harness.ses.failNext(1, {
      status: 400,
      contentType: 'text/xml',
      body:
        '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
        '<Code>MessageRejected</Code><Message>Email address is not verified.</Message></Error>' +
        '<RequestId>00000000-0000-0000-0000-000000000002</RequestId></ErrorResponse>',
    });
    await decide({ submissionId: id, staffId: moderator.id, decision: 'approve', reason: null });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');

    const { events, path: states } = await path(executionArn);
    expect(states).toEqual(APPROVED_PATH);
    expect(
      events
        .filter((event) => event.type === 'TaskFailed')
        .map((event) => event.taskFailedEventDetails?.error),
    ).toEqual(['MessageRejected']);
    expect(attempts(events, 'NotifySubmitter')).toBe(1);
    expect(approvalEvents(id)).toHaveLength(1);
    expect(await getSubmission(id)).toMatchObject({ status: 'approved', decidedBy: moderator.id });
    expect(await emailsTo(sesUrl, submitterEmail)).toEqual([]);
  });

  it('a decision recorded that never reached a waiting token (the race with a round ending) is applied by the next round', async () => {
    // What decide() leaves when its SendTaskSuccess loses the race with the round's timeout (TaskTimedOut, which it
    // accepts): the outcome recorded, the round not answered. Made deterministic by recording it directly while the
    // first round waits and letting that round run out: the next round's task finds the outcome and answers its own
    // token, so the submission ends with that decision rather than a reminder.
    useSettings(1_000, 2);
    const moderator = await staff(['site:race:moderate'], 'race-mod');
    const { submission, submitterEmail, executionArn } = await start('race');
    const id = submission.id;
    await awaitEmails(sesUrl, moderator.email);
    const firstToken = await waitingToken(id, 0);
    const reason = 'Recorded while <nobody> answered';
    const recorded = await recordDecision({
      submissionId: id,
      staffId: moderator.id,
      decision: 'reject',
      reason,
      now: new Date(),
    });
    expect(recorded).toMatchObject({ recorded: true, repeated: false });

    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    const { events, path: states } = await path(executionArn);
    expect(states).toEqual([
      'StoreSubmission',
      'AwaitDecision',
      'NextRound',
      'MoreRounds',
      'AwaitDecision',
      'Settle',
      'Outcome',
      'NotifySubmitter',
      'AfterNotify',
      'Rejected',
    ]);
    expect(count(events, 'TaskTimedOut')).toBe(1);
    expect(await getSubmission(id)).toMatchObject({ status: 'rejected', reason, decidedBy: moderator.id });
    const review = (await getReview(id))!;
    // The review keeps the last round that stored a token (and emailed): the one that answered itself stored none.
    expect(review).toMatchObject({ outcome: 'reject', decidedBy: moderator.id, round: 0 });
    expect(review).not.toHaveProperty('taskToken');
    // The round that answered itself reminded nobody.
    expect(await recipientsAbout(id)).toEqual([moderator.email]);
    expect((await awaitEmails(sesUrl, submitterEmail))[0]!.subject).toBe(REJECTED_SUBJECT);

    // The first round's token is dead, which is what decide() meets in the race; the moderator's retry is answered.
    await expect(
      harness.sfn.client.send(
        new SendTaskSuccessCommand({ taskToken: firstToken, output: JSON.stringify({ outcome: 'reject' }) }),
      ),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const retried = await decide({ submissionId: id, staffId: moderator.id, decision: 'reject', reason });
    expect(retried).toMatchObject({ status: 'rejected' });
    expect(await emailsTo(sesUrl, submitterEmail)).toHaveLength(1);
  });

  it('no log line of full runs holds a task token, an email address, a message, a subject or a reason', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : String(chunk),
      );
    };
    const spies = [
      ...[process.stdout, process.stderr].map((stream) =>
        vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
          capture(chunk);
          return true;
        }),
      ),
      ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => capture(args.join(' '))),
      ),
    ];
    const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    logger.setLogLevel('DEBUG');

    const tokens: string[] = [];
    const texts: string[] = [];
    const addresses: string[] = [];
    try {
      const modA = await staff(['site:logs:moderate'], 'logs-mod-a');
      const modB = await staff(['site:logs:moderate'], 'logs-mod-b');
      addresses.push(modA.email, modB.email, ...networkAdmins.map((admin) => admin.email));
      const run = async (fields: Partial<NewSubmission> = {}) => {
        const started = await start('logs', {
          subject: `Secret subject ${unique()}`,
          message: `Secret message body ${unique()}`,
          ...fields,
        });
        addresses.push(started.submitterEmail);
        texts.push(started.submission.message, started.submission.subject!);
        return started;
      };
      const waitForRound = async (submission: SubmissionItem) => {
        tokens.push(await waitingToken(submission.id));
        await eventually(async () => ((await recipientsAbout(submission.id)).length >= 1 ? true : undefined));
      };

      // An expiry with a reminder round (escalated to the network admins).
      useSettings(300, 1);
      const expiring = await run();
      expect((await harness.sfn.finished(expiring.executionArn)).status).toBe('SUCCEEDED');
      useSettings(86_400, 2);

      // A rejection with a reason; the first moderator's address is refused by SES for good (its message names
      // the address), which the task logs by staff id and skips.
      const refusedBySes: InjectedResponse = {
        status: 400,
        contentType: 'text/xml',
        body:
          '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
          `<Code>MessageRejected</Code><Message>Email address is not verified: ${modA.email} ${modB.email}` +
          '</Message></Error><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ErrorResponse>',
      };
      harness.ses.failNext(1, refusedBySes);
      const rejected = await run();
      await waitForRound(rejected.submission);
      await awaitEmails(sesUrl, modB.email);
      const reason = `Secret reason ${unique()} <not> for "logs"`;
      texts.push(reason);
      await decide({ submissionId: rejected.submission.id, staffId: modA.id, decision: 'reject', reason });
      await refusal(
        decide({ submissionId: rejected.submission.id, staffId: modB.id, decision: 'approve', reason: null }),
      );
      expect((await harness.sfn.finished(rejected.executionArn)).status).toBe('SUCCEEDED');
      expect(await emailsTo(sesUrl, rejected.submitterEmail)).toHaveLength(1);

      // An approval from a member, with one throttled send retried on the way.
      const member = await putActiveMember({
        id: `member_${unique()}`,
        email: address('logs-member'),
        fullName: 'Lola Logs',
      });
      addresses.push(member.email);
      harness.ses.failNext(1, sesThrottled);
      const approved = await run({ submitter: { id: member.id, verified: true, name: member.fullName } });
      await waitForRound(approved.submission);
      await decide({
        submissionId: approved.submission.id,
        staffId: modB.id,
        decision: 'approve',
        reason: null,
      });
      expect((await harness.sfn.finished(approved.executionArn)).status).toBe('SUCCEEDED');
      await awaitEmails(sesUrl, member.email);

      // A withdrawal.
      const withdrawn = await run();
      await waitForRound(withdrawn.submission);
      await withdraw(withdrawn.submission.id);
      expect((await harness.sfn.finished(withdrawn.executionArn)).status).toBe('ABORTED');
    } finally {
      for (const spy of spies) spy.mockRestore();
      if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
      logger.setLogLevel((previousLevel ?? 'ERROR') as 'ERROR');
    }

    // The capture saw both sides: the API's info lines and a task Lambda's warning.
    expect(lines.some((line) => line.includes('"Submission decided"'))).toBe(true);
    expect(lines.some((line) => line.includes('"Submission withdrawn"'))).toBe(true);
    expect(lines.some((line) => line.includes('"Moderation email refused"'))).toBe(true);
    expect(tokens).toHaveLength(3);
    const forbidden = [
      ...addresses.flatMap((email) => [email, email.split('@')[0]!, email.split('@')[1]!]),
      ...texts,
      'secret',
    ];
    // Tokens as they are; names and titles as written (their lower case is too common a word).
    const verbatim = [...tokens, 'Lola Logs', 'Ann', 'Tempest', 'Ariel'];
    for (const line of lines) {
      for (const text of forbidden) expect(line.toLowerCase()).not.toContain(text.toLowerCase());
      for (const text of verbatim) expect(line).not.toContain(text);
      expect(line).not.toMatch(/LST1[A-Za-z0-9_-]{16}/);
      expect(line).not.toMatch(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+/);
    }
  });
});
