/**
 * A DynamoDB call that fails AFTER its write committed, on the real registration workflow: DynamoDB Local sits
 * behind a fault proxy that forwards the write and then answers HTTP 500 (with the SDK's own retries off), so
 * the task fails as RetryableError and the workflow retries the whole Lambda. The retry must find
 * its own committed write and carry on: the registration ends on the happy path, not RegistrationFailed.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { RegistrationSchema, type MemberItem } from '../../core/members/model.js';
import { storeRegistrationRequest } from '../../core/members/registration-request.js';
import {
  dynamoDbInternalError,
  startFaultProxy,
  type FaultProxy,
  type ProxiedRequest,
} from '../helpers/fault-proxy.js';
import { awaitEmails } from '../helpers/inbox.js';
import { eventually, historyOf, statePath } from '../helpers/local-stepfunctions.js';
import { startWorkflowHarness, type WorkflowHarness } from '../helpers/workflow-harness.js';

let harness: WorkflowHarness;
let dynamoDb: FaultProxy;

beforeAll(async () => {
  dynamoDb = await startFaultProxy(inject('dynamoDbEndpoint'));
  // The tasks (and this file) reach DynamoDB Local through the proxy; the table is created directly.
  // One SDK attempt: the failure reaches the workflow's Retry (a Lambda-level retry), which is what is tested here.
  harness = await startWorkflowHarness('registration', {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.url,
    AWS_MAX_ATTEMPTS: '1',
  });
});

afterAll(async () => {
  await harness.stop();
  await dynamoDb.stop();
});

async function getMember(memberId: string): Promise<MemberItem | undefined> {
  const result = await documentClient.send(
    new GetCommand({ TableName: harness.env.tableName, Key: keys.member(memberId) }),
  );
  return result.Item as MemberItem | undefined;
}

async function register(memberId: string) {
  const email = `${memberId}@bloggs.example`;
  const name = `reg-${memberId}`;
  await storeRegistrationRequest(
    name,
    memberId,
    RegistrationSchema.parse({
      anonymousId: randomUUID(),
      fullName: 'Fred Bloggs',
      email,
      yearOfGraduation: 1980,
      consent: { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false },
    }),
  );
  const executionArn = await harness.sfn.start(harness.stateMachineArn, name, { memberId, requestId: name });
  return { executionArn, email };
}

async function verify(memberId: string, email: string): Promise<void> {
  await awaitEmails(harness.env.sesUrl, email);
  const member = await eventually(async () => {
    const item = await getMember(memberId);
    return item?.verificationTaskToken ? item : undefined;
  });
  await harness.sfn.client.send(
    new SendTaskSuccessCommand({
      taskToken: member.verificationTaskToken,
      output: JSON.stringify({ verifiedAt: new Date().toISOString() }),
    }),
  );
}

/** The states that failed, in order, and the error they failed with. */
async function failedTasks(executionArn: string): Promise<string[]> {
  const events = await historyOf(harness.sfn.client, executionArn);
  return events
    .filter((event) => event.type === 'TaskFailed')
    .map((event) => event.taskFailedEventDetails!.error!);
}

const write =
  (target: string, ...parts: string[]) =>
  (request: ProxiedRequest) =>
    request.target === `DynamoDB_20120810.${target}` && parts.every((part) => request.body.includes(part));

const happyPath = [
  'ValidateRegistration',
  'ReserveMember',
  'RecordConsent',
  'AwaitVerification',
  'ActivateMember',
  'SendWelcomeEmail',
  'Registered',
];

describe('registration: a DynamoDB write that committed but answered an error', () => {
  it('ReserveMember retried by the workflow finds its own reservation: the happy path', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    dynamoDb.failAfterForwarding(write('PutItem', '"member"', `"reg-${memberId}"`), 1, dynamoDbInternalError);
    const { executionArn, email } = await register(memberId);
    await verify(memberId, email);

    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual(happyPath);
    // One Lambda-level retry, after the first attempt's write had committed.
    expect(await failedTasks(executionArn)).toEqual(['RetryableError']);
    expect(await getMember(memberId)).toMatchObject({ status: 'active' });
  });

  it('RecordConsent retried by the workflow rewrites the same ledger entries: four, not eight', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    dynamoDb.failAfterForwarding(
      write('BatchWriteItem', '"consent"', `"${memberId}"`),
      1,
      dynamoDbInternalError,
    );
    const { executionArn, email } = await register(memberId);
    await verify(memberId, email);

    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual(happyPath);
    expect(await failedTasks(executionArn)).toEqual(['RetryableError']);
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: harness.env.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :consent)',
        ExpressionAttributeValues: { ':pk': keys.member(memberId).pk, ':consent': 'CONSENT#' },
      }),
    );
    expect(Items.map((entry) => entry.consent as string).sort()).toEqual([
      'consentMembers',
      'consentNetwork',
      'consentNews',
      'consentStudents',
    ]);
  });

  it('ReleaseExpired retried by the workflow finds the profile gone: the registration expires, nothing left', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    process.env.VERIFICATION_TIMEOUT_SECONDS = '600';
    try {
      // The release's last delete, the pending profile's.
      dynamoDb.failAfterForwarding(
        write('DeleteItem', `"MEMBER#${memberId}"`, '"PROFILE"'),
        1,
        dynamoDbInternalError,
      );
      const { executionArn, email } = await register(memberId);
      await awaitEmails(harness.env.sesUrl, email);
      expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');
      expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual([
        'ValidateRegistration',
        'ReserveMember',
        'RecordConsent',
        'AwaitVerification',
        'ReleaseExpired',
        'RegistrationExpired',
      ]);
      expect(await failedTasks(executionArn)).toEqual(['RetryableError']);
      const { Items = [] } = await documentClient.send(
        new QueryCommand({
          TableName: harness.env.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.member(memberId).pk },
        }),
      );
      expect(Items).toEqual([]);
    } finally {
      delete process.env.VERIFICATION_TIMEOUT_SECONDS;
    }
  });

  it('ActivateMember retried by the workflow finds the member active: the happy path, one welcome', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    const { executionArn, email } = await register(memberId);
    await awaitEmails(harness.env.sesUrl, email);
    dynamoDb.failAfterForwarding(
      write('TransactWriteItems', '"member-email"', `"reg-${memberId}"`),
      1,
      dynamoDbInternalError,
    );
    await verify(memberId, email);

    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual(happyPath);
    expect(await failedTasks(executionArn)).toEqual(['RetryableError']);
    expect(await getMember(memberId)).toMatchObject({ status: 'active' });
    const emails = await awaitEmails(harness.env.sesUrl, email, 2);
    expect(emails.map((sent) => sent.subject)).toEqual([
      'Confirm your email address for the New Theatre alumni network',
      'Welcome to the New Theatre alumni network',
    ]);
  });
});

describe('registration: a validation that keeps failing', () => {
  it('forgets the request’s personal details and fails as RegistrationFailed, not with the request left behind', async () => {
    const memberId = `fred_${randomUUID().slice(0, 8)}`;
    // Every attempt's read of the request fails (the Retry's five attempts, and more): a lasting outage.
    dynamoDb.failAfterForwarding(
      write('GetItem', `"REGISTRATION#reg-${memberId}"`),
      10,
      dynamoDbInternalError,
    );
    const { executionArn } = await register(memberId);

    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('RegistrationFailed');
    expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual([
      'ValidateRegistration',
      'ReleaseAfterFailure',
      'RegistrationFailed',
    ]);
    // A query, not a GetItem: the proxy may still have injections left for the request's GetItem.
    const { pk } = keys.registrationRequest(`reg-${memberId}`);
    const { Items } = await documentClient.send(
      new QueryCommand({
        TableName: harness.env.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    expect(Items).toEqual([]);
    expect(await getMember(memberId)).toBeUndefined();
  }, 60_000);
});
