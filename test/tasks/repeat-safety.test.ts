/**
 * "Safe to repeat" and "once" promises held by the real repositories against DynamoDB Local (the other task tests
 * use in-memory repositories, which cannot show a conditional write doing its job): a task handler called twice with
 * one input, a decision or a withdrawal arriving while a recorded decision is not settled yet, and a relayed email
 * whose send was claimed by an attempt that died.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { fixedClock } from '../../core/clock.js';
import { keys } from '../../core/keys.js';
import { RegistrationSchema } from '../../core/members/model.js';
import { storeRegistrationRequest } from '../../core/members/registration-request.js';
import { recordDecision, withdrawSubmission } from '../../core/submissions/repository.js';
import { handler as reserveMember } from '../../tasks/reserve-member.js';
import { handler as sendRelayedEmail } from '../../tasks/send-relayed-email.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { reviewItem, submissionItem } from '../helpers/submission-fakes.js';
import { memoryMailer } from './relay-fakes.js';
import { RELAY_ID, relayMember, relayRequest, sender } from './relay-fixtures.js';

let env: LocalAwsEnv;

beforeAll(async () => {
  env = await useLocalAws('repeat-safety');
});

async function put(item: object): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: env.tableName, Item: item }));
}

async function get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await documentClient.send(new GetCommand({ TableName: env.tableName, Key: key }))).Item;
}

describe('reserve-member against DynamoDB Local', () => {
  it('called twice with one input succeeds twice; another execution gets MemberAlreadyExists', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    const requestId = `reg-${memberId}`;
    await storeRegistrationRequest(
      requestId,
      memberId,
      RegistrationSchema.parse({
        anonymousId: randomUUID(),
        fullName: 'Fred Bloggs',
        email: `${memberId}@bloggs.example`,
        yearOfGraduation: 1980,
        consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
      }),
    );
    const input = (executionName: string) => ({
      memberId,
      requestId,
      executionName,
      startedAt: '2026-03-01T12:00:00.000Z',
      pendingForSeconds: 600,
    });

    await expect(reserveMember(input(requestId))).resolves.toEqual({ reserved: true });
    // A Lambda-level retry of the same execution after the first write committed.
    await expect(reserveMember(input(requestId))).resolves.toEqual({ reserved: true });
    await expect(reserveMember(input('reg-someone-else'))).rejects.toMatchObject({
      name: 'MemberAlreadyExists',
    });
    expect(await get(keys.member(memberId))).toMatchObject({
      status: 'pending',
      registrationExecution: requestId,
    });
  });
});

describe('decide once while the submission is still pending (before Settle)', () => {
  let submissionId: string;
  const now = new Date('2026-11-27T13:00:00.000Z');

  beforeEach(async () => {
    submissionId = randomUUID();
    await put(submissionItem({ id: submissionId, ...keys.submission(submissionId) }));
    await put(reviewItem({ submissionId, ...keys.submissionReview(submissionId) }));
  });

  async function auditEntries(): Promise<Record<string, unknown>[]> {
    const scanned = await documentClient.send(
      new ScanCommand({
        TableName: env.tableName,
        FilterExpression: 'entity = :audit AND submissionId = :id',
        ExpressionAttributeValues: { ':audit': 'audit', ':id': submissionId },
      }),
    );
    return scanned.Items ?? [];
  }

  it('a second moderator’s decision is refused and the first stands (one audit entry)', async () => {
    const first = await recordDecision({
      submissionId,
      staffId: 'mod-a',
      decision: 'approve',
      reason: null,
      now,
    });
    expect(first).toMatchObject({ recorded: true, repeated: false });
    const second = await recordDecision({
      submissionId,
      staffId: 'mod-b',
      decision: 'reject',
      reason: 'No',
      now: new Date(now.getTime() + 1000),
    });
    expect(second).toMatchObject({ recorded: false, refusal: 'approve' });
    // The same moderator repeating the decision is answered as the first, and writes nothing new.
    const repeat = await recordDecision({
      submissionId,
      staffId: 'mod-a',
      decision: 'approve',
      reason: null,
      now,
    });
    expect(repeat).toMatchObject({ recorded: true, repeated: true });
    expect(await get(keys.submissionReview(submissionId))).toMatchObject({
      outcome: 'approve',
      decidedBy: 'mod-a',
      decidedAt: now.toISOString(),
    });
    expect(await auditEntries()).toHaveLength(1);
  });

  it('a withdrawal after an unsettled decision is refused: the decision stands, the submission stays pending', async () => {
    await recordDecision({ submissionId, staffId: 'mod-a', decision: 'reject', reason: 'Off topic', now });
    const withdrawal = await withdrawSubmission(submissionId, new Date(now.getTime() + 1000));
    expect(withdrawal.withdrawn).toBe(false);
    expect(await get(keys.submissionReview(submissionId))).toMatchObject({
      outcome: 'reject',
      decidedBy: 'mod-a',
    });
    expect(await get(keys.submission(submissionId))).toMatchObject({ status: 'pending' });
  });
});

describe('send-relayed-email: the send claim against DynamoDB Local', () => {
  beforeEach(() => {
    vi.stubEnv('PUBLIC_API_URL', 'https://api.alumni.example');
    vi.stubEnv('SITE_URL', 'https://alumni.example');
  });

  it('an attempt that died mid-send keeps its claim: the retry sends nothing, exactly one email in all', async () => {
    await put(relayRequest());
    for (const member of [relayMember(), sender])
      await put({ ...keys.member(member.id), entity: 'member', ...member });
    const clock = fixedClock('2026-03-14T12:00:00.000Z');
    const mailer = memoryMailer();
    // The first attempt's send reaches SES and then the attempt dies (a timeout, a crashed sandbox): it never
    // answers and never marks the relay sent.
    const dying = {
      send: (...args: Parameters<typeof mailer.send>) => {
        void mailer.send(...args);
        return new Promise<string>(() => undefined);
      },
    };
    void sendRelayedEmail.with({ clock, mailer: dying })({ relayId: RELAY_ID });
    await vi.waitFor(() => expect(mailer.sent).toHaveLength(1));

    await expect(sendRelayedEmail.with({ clock, mailer })({ relayId: RELAY_ID })).resolves.toEqual({
      sent: true,
      alreadySent: true,
    });
    expect(mailer.sent).toHaveLength(1);
    const relay = await get(keys.relay(RELAY_ID));
    expect(relay).toMatchObject({ sendClaimedAt: '2026-03-14T12:00:00.000Z' });
    expect(relay).not.toHaveProperty('sentAt');
  });
});
