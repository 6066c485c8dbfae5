/**
 * The first-email relay (statemachines/first-email-relay.asl.json) on the local runtime with its real tasks,
 * DynamoDB Local and the SES emulator (behind a proxy that can inject throttling). The requests are written to the
 * table as the API writes them; the API's side is tested in test/api/relay.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { epochSeconds, keys } from '../../core/keys.js';
import {
  relayExecutionName,
  studentSenderKey,
  type RelayItem,
  type RelayResult,
} from '../../core/relay/model.js';
import type { LocalAwsEnv } from '../helpers/aws-env.js';
import { sesThrottled, type FaultProxy } from '../helpers/fault-proxy.js';
import { startWorkflowHarness, type WorkflowHarness } from '../helpers/workflow-harness.js';
import { awaitEmails, emailsTo } from '../helpers/inbox.js';
import { count, eventually, historyOf, statePath, type LocalSfn } from '../helpers/local-stepfunctions.js';
import { putActiveMember } from '../helpers/members.js';

const STUDENT_DOMAIN = 'students.example.ac.uk';

let env: LocalAwsEnv;
let ses: FaultProxy;
let sfn: LocalSfn;
let relayArn: string;
let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness('first-email-relay', { STUDENT_EMAIL_DOMAINS: STUDENT_DOMAIN });
  ({ env, ses, sfn, stateMachineArn: relayArn } = harness);
});

afterAll(() => harness.stop());

const unique = (label: string) => `${label}_${randomUUID().slice(0, 8)}`;

async function member(label: string, consent: { consentMembers?: boolean; consentStudents?: boolean } = {}) {
  const id = unique(label);
  // The address shares nothing with the id, so a leak of either part of it can be searched for.
  const email = `${randomUUID().slice(0, 8)}.private@mailbox-${randomUUID().slice(0, 6)}.example`;
  return putActiveMember({ id, email, fullName: `Member ${label}`, consent });
}

/** Writes a request as the API does and starts its execution with the relay id only. */
async function request(
  fields: Partial<RelayItem> & Pick<RelayItem, 'recipientId' | 'senderKind' | 'senderKey'>,
) {
  const relayId = randomUUID();
  const now = new Date().toISOString();
  const item: RelayItem = {
    ...keys.relay(relayId),
    entity: 'relay',
    relayId,
    createdAt: now,
    updatedAt: now,
    message: 'Hello!\n\nDo you remember the <b>1979</b> panto? "Oh yes you do" & more.',
    subject: 'The 1979 panto',
    expiresAt: epochSeconds(new Date()) + 2 * 24 * 3600,
    ...fields,
  };
  await documentClient.send(new PutCommand({ TableName: env.tableName, Item: item }));
  const executionArn = await sfn.start(relayArn, relayExecutionName(relayId), { relayId });
  return { relayId, executionArn, item };
}

function fromMember(sender: { id: string }, recipient: { id: string }, fields: Partial<RelayItem> = {}) {
  return request({
    recipientId: recipient.id,
    senderKind: 'member',
    senderKey: sender.id,
    senderMemberId: sender.id,
    ...fields,
  });
}

function fromStudent(email: string, recipient: { id: string }) {
  return request({
    recipientId: recipient.id,
    senderKind: 'student',
    senderKey: studentSenderKey(email),
    studentName: 'Sam Student',
    studentEmail: email,
  });
}

async function relayItem(relayId: string) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: env.tableName, Key: keys.relay(relayId) }),
  );
  return Item as RelayItem;
}

async function outcome(executionArn: string) {
  const execution = await sfn.finished(executionArn);
  const result = execution.output
    ? (JSON.parse(execution.output) as { result: RelayResult }).result
    : undefined;
  return { execution, result };
}

/** What a student does: wait for the confirmation email, then follow it (the API answers the task token). */
async function confirmStudent(relayId: string, email: string) {
  await awaitEmails(env.sesUrl, email);
  const item = await eventually(async () => {
    const found = await relayItem(relayId);
    return found.verificationTaskToken ? found : undefined;
  });
  await sfn.client.send(
    new SendTaskSuccessCommand({
      taskToken: item.verificationTaskToken,
      output: JSON.stringify({ confirmedAt: new Date().toISOString() }),
    }),
  );
}

function expectNoTraceOf(texts: string[], where: unknown) {
  const haystack = JSON.stringify(where);
  for (const text of texts) expect(haystack).not.toContain(text);
}

describe('first-email relay', () => {
  it('member to consenting member: one email Reply-To the sender, nothing of the address revealed', async () => {
    const sender = await member('sender');
    const recipient = await member('recipient', { consentMembers: true });
    const { relayId, executionArn, item } = await fromMember(sender, recipient);
    const { execution, result } = await outcome(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(result).toEqual({ outcome: 'sent' });

    const events = await historyOf(sfn.client, executionArn);
    expect(statePath(events)).toEqual([
      'LoadRelayRequest',
      'BySender',
      'CheckConsent',
      'ReserveQuota',
      'SendRelayedEmail',
      'MarkSent',
      'NotifySender',
      'CloseRelay',
      'Done',
    ]);

    const [relayed] = await awaitEmails(env.sesUrl, recipient.email);
    expect(relayed!.replyTo).toEqual([sender.email]);
    expect(relayed!.from).toBe('no-reply@alumni.example.test');
    expect(relayed!.subject).toBe('[New Theatre alumni] The 1979 panto');
    expect(relayed!.body.html).toContain(
      'Do you remember the &lt;b&gt;1979&lt;/b&gt; panto? &quot;Oh yes you do&quot; &amp; more.',
    );
    expect(relayed!.body.html).not.toContain('<b>1979</b>');
    expect(relayed!.body.text).toContain('If you reply, your reply and your email address go to the sender.');
    expect(relayed!.body.text).toContain('https://alumni.example.test');
    expect(relayed!.body.text).toMatch(
      /https:\/\/api\.alumni\.example\.test\/contact\/report\?token=[A-Za-z0-9_-]{43}/,
    );

    const [confirmation] = await awaitEmails(env.sesUrl, sender.email);
    expect(confirmation!.subject).toBe(`Your message to ${recipient.id} was sent`);
    const [recipientLocalPart, recipientDomain] = recipient.email.split('@');
    expectNoTraceOf([recipient.email, recipientLocalPart!, recipientDomain!], confirmation);

    // The execution never carried the message or an address; the request item keeps neither once it ended.
    expectNoTraceOf([recipient.email, sender.email, 'Do you remember', 'The 1979 panto'], events);
    const stored = await relayItem(relayId);
    expect(stored).toMatchObject({ outcome: 'sent', relayId, senderKey: sender.id });
    expect(stored.sentAt).toEqual(expect.any(String));
    // Member ids are reused after an erasure: the record kept for the retention period names none.
    for (const field of [
      'message',
      'subject',
      'studentEmail',
      'studentName',
      'verificationTaskToken',
      'recipientId',
      'senderMemberId',
    ] as const) {
      expect(stored).not.toHaveProperty(field);
    }
    expect(stored.expiresAt).toBeGreaterThan(item.expiresAt);
  });

  it('a request outliving its recipient’s profile reaches nobody: the id now holds another profile', async () => {
    const sender = await member('sender');
    const recipient = await member('reused', { consentMembers: true, consentStudents: true });
    // Made to the profile that held the id before (an erased member's uid); a new profile holds it now.
    const { executionArn } = await fromMember(sender, recipient, { recipientKey: `member:${randomUUID()}` });
    const { result } = await outcome(executionArn);
    expect(result).toEqual({ outcome: 'not-contactable' });
    expect(statePath(await historyOf(sfn.client, executionArn))).toContain('MarkNotContactable');
    expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);
  });

  it('no consent: nothing is sent, and the outcome is the neutral not-contactable', async () => {
    const sender = await member('sender');
    const recipient = await member('nocontact', { consentMembers: false, consentStudents: true });
    const { executionArn } = await fromMember(sender, recipient);
    const { result } = await outcome(executionArn);
    expect(result).toEqual({ outcome: 'not-contactable' });
    expect(statePath(await historyOf(sfn.client, executionArn))).toEqual([
      'LoadRelayRequest',
      'BySender',
      'CheckConsent',
      'MarkNotContactable',
      'NotifySender',
      'CloseRelay',
      'Done',
    ]);
    expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);
    // A member learns a refusal from the API's answer: no email.
    expect(await emailsTo(env.sesUrl, sender.email)).toEqual([]);
  });

  it('student: sent only after the emailed link is followed', async () => {
    const recipient = await member('forstudents', { consentStudents: true });
    const studentEmail = `${unique('sam')}@${STUDENT_DOMAIN}`;
    const { relayId, executionArn } = await fromStudent(studentEmail, recipient);
    const [confirmationLink] = await awaitEmails(env.sesUrl, studentEmail);
    expect(confirmationLink!.body.text).toMatch(
      /https:\/\/api\.alumni\.example\.test\/contact\/confirm\?token=/,
    );
    expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);

    await confirmStudent(relayId, studentEmail);
    const { result } = await outcome(executionArn);
    expect(result).toEqual({ outcome: 'sent' });
    expect(statePath(await historyOf(sfn.client, executionArn))).toEqual([
      'LoadRelayRequest',
      'BySender',
      'AwaitStudentConfirmation',
      'CheckConsent',
      'ReserveQuota',
      'SendRelayedEmail',
      'MarkSent',
      'NotifySender',
      'CloseRelay',
      'Done',
    ]);
    const [relayed] = await awaitEmails(env.sesUrl, recipient.email);
    expect(relayed!.replyTo).toEqual([studentEmail]);
    expect(relayed!.body.text).toContain('Sam Student, a current student,');
    const studentEmails = await awaitEmails(env.sesUrl, studentEmail, 2);
    expectNoTraceOf([recipient.email], studentEmails);
  });

  it('consent withdrawn while the student confirms: no email, and the student gets the neutral answer', async () => {
    const recipient = await member('changedmind', { consentStudents: true });
    const studentEmail = `${unique('sam')}@${STUDENT_DOMAIN}`;
    const { relayId, executionArn } = await fromStudent(studentEmail, recipient);
    await awaitEmails(env.sesUrl, studentEmail);
    await documentClient.send(
      new UpdateCommand({
        TableName: env.tableName,
        Key: keys.member(recipient.id),
        UpdateExpression: 'SET consent.consentStudents = :withdrawn',
        ExpressionAttributeValues: { ':withdrawn': { granted: false, since: new Date().toISOString() } },
      }),
    );
    await confirmStudent(relayId, studentEmail);
    const { result } = await outcome(executionArn);
    expect(result).toEqual({ outcome: 'not-contactable' });
    expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);
    const [, answer] = await awaitEmails(env.sesUrl, studentEmail, 2);
    expect(answer!.body.text).toContain("This member can't be contacted through the network.");
  });

  it('student link expiry ends the request: nothing sent, nothing personal kept', async () => {
    process.env.STUDENT_VERIFICATION_TIMEOUT_SECONDS = '600';
    try {
      const recipient = await member('expiring', { consentStudents: true });
      const studentEmail = `${unique('late')}@${STUDENT_DOMAIN}`;
      const { relayId, executionArn } = await fromStudent(studentEmail, recipient);
      const { result } = await outcome(executionArn);
      expect(result).toEqual({ outcome: 'expired' });
      const events = await historyOf(sfn.client, executionArn);
      expect(statePath(events)).toEqual([
        'LoadRelayRequest',
        'BySender',
        'AwaitStudentConfirmation',
        'MarkExpired',
        'CloseRelay',
        'Done',
      ]);
      expect(count(events, 'TaskTimedOut')).toBe(1);
      const stored = await relayItem(relayId);
      expect(stored.outcome).toBe('expired');
      expect(stored).not.toHaveProperty('studentEmail');
      expect(stored).not.toHaveProperty('message');
      expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);
    } finally {
      delete process.env.STUDENT_VERIFICATION_TIMEOUT_SECONDS;
    }
  });

  it('one first email per sender and recipient', async () => {
    const sender = await member('again');
    const recipient = await member('once', { consentMembers: true });
    expect((await outcome((await fromMember(sender, recipient)).executionArn)).result?.outcome).toBe('sent');
    const second = await fromMember(sender, recipient);
    expect((await outcome(second.executionArn)).result).toEqual({ outcome: 'rate-limited', limit: 'pair' });
    expect(statePath(await historyOf(sfn.client, second.executionArn))).toEqual([
      'LoadRelayRequest',
      'BySender',
      'CheckConsent',
      'ReserveQuota',
      'ParseRateLimit',
      'MarkRateLimited',
      'NotifySender',
      'CloseRelay',
      'Done',
    ]);
    expect(await awaitEmails(env.sesUrl, recipient.email)).toHaveLength(1);
  });

  it('per-sender daily limit', async () => {
    process.env.RELAY_SENDER_DAILY_LIMIT = '2';
    try {
      const sender = await member('busy');
      const results = [];
      for (const label of ['a', 'b', 'c']) {
        const recipient = await member(`r${label}`, { consentMembers: true });
        results.push((await outcome((await fromMember(sender, recipient)).executionArn)).result);
      }
      expect(results).toEqual([
        { outcome: 'sent' },
        { outcome: 'sent' },
        { outcome: 'rate-limited', limit: 'sender-daily' },
      ]);
    } finally {
      delete process.env.RELAY_SENDER_DAILY_LIMIT;
    }
  });

  it('per-recipient daily limit holds under concurrent requests', async () => {
    process.env.RELAY_RECIPIENT_DAILY_LIMIT = '1';
    try {
      const recipient = await member('popular', { consentMembers: true });
      const senders = await Promise.all(['s1', 's2', 's3', 's4'].map((label) => member(label)));
      const started = await Promise.all(senders.map((sender) => fromMember(sender, recipient)));
      const results = await Promise.all(
        started.map(async ({ executionArn }) => (await outcome(executionArn)).result),
      );
      expect(results.filter((result) => result?.outcome === 'sent')).toHaveLength(1);
      expect(results.filter((result) => result?.limit === 'recipient-daily')).toHaveLength(3);
      expect(await awaitEmails(env.sesUrl, recipient.email)).toHaveLength(1);
    } finally {
      delete process.env.RELAY_RECIPIENT_DAILY_LIMIT;
    }
  });

  it('a reported sender is blocked from contacting that member again', async () => {
    const sender = await member('abuser');
    const recipient = await member('reporter', { consentMembers: true });
    // What POST /contact/report writes.
    await documentClient.send(
      new PutCommand({
        TableName: env.tableName,
        Item: {
          ...keys.relayBlock(recipient.id, sender.id),
          entity: 'relay-block',
          createdAt: new Date().toISOString(),
        },
      }),
    );
    const { executionArn } = await fromMember(sender, recipient);
    expect((await outcome(executionArn)).result).toEqual({ outcome: 'not-contactable' });
    expect(await emailsTo(env.sesUrl, recipient.email)).toEqual([]);
  });

  it('SES throttling twice: retried with backoff, exactly one relayed email', async () => {
    const sender = await member('steady');
    const recipient = await member('throttled', { consentMembers: true });
    ses.failNext(2, sesThrottled);
    const { executionArn } = await fromMember(sender, recipient);
    expect((await outcome(executionArn)).result).toEqual({ outcome: 'sent' });
    const events = await historyOf(sfn.client, executionArn);
    expect(statePath(events).filter((name) => name === 'SendRelayedEmail')).toHaveLength(1);
    expect(count(events, 'TaskFailed')).toBe(2);
    expect(await awaitEmails(env.sesUrl, recipient.email)).toHaveLength(1);
  });

  it('SES failing for good: the limits are given back and the request ends failed', async () => {
    const sender = await member('unlucky');
    const recipient = await member('unreachable', { consentMembers: true });
    ses.failNext(5, sesThrottled);
    const { relayId, executionArn } = await fromMember(sender, recipient);
    const { execution } = await outcome(executionArn);
    ses.failNext(0, sesThrottled);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'RelayFailed', cause: 'RetryableError' });
    expect(statePath(await historyOf(sfn.client, executionArn)).slice(-4)).toEqual([
      'ReleaseQuota',
      'MarkFailed',
      'CloseFailed',
      'RelayFailed',
    ]);
    const pair = await documentClient.send(
      new GetCommand({ TableName: env.tableName, Key: keys.pairLimit(sender.id, recipient.id) }),
    );
    expect(pair.Item).toBeUndefined();
    expect((await relayItem(relayId)).outcome).toBe('failed');
    // With the limits given back, the sender can try again.
    const retry = await fromMember(sender, recipient);
    expect((await outcome(retry.executionArn)).result).toEqual({ outcome: 'sent' });
  });
});
