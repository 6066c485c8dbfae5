/**
 * The staff invitation workflow (statemachines/staff-invitation.asl.json) on the local runtime, with its real task
 * Lambdas, DynamoDB Local and the SES emulator: accept, expiry, reinvite, and failures, asserting the path of
 * states, what is stored and which emails arrive.
 */
import { SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { hashLinkToken, type LinkItem } from '../../core/links.js';
import type { Scope, StaffItem } from '../../core/staff/model.js';
import {
  bootstrapNetworkAdmin,
  countActiveNetworkAdmins,
  createInvitation,
  getStaff,
  scopesOf,
  setInvitationExecution,
  staffInvitationExecutionName,
} from '../../core/staff/repository.js';
import { sesThrottled } from '../helpers/fault-proxy.js';
import { awaitEmails, emailsTo, type StoredEmail } from '../helpers/inbox.js';
import { count, eventually, historyOf, statePath } from '../helpers/local-stepfunctions.js';
import { startWorkflowHarness, TEST_API_URL, type WorkflowHarness } from '../helpers/workflow-harness.js';

let harness: WorkflowHarness;
let adminId: string;

beforeAll(async () => {
  harness = await startWorkflowHarness('staff-invitation');
  adminId = (await bootstrapNetworkAdmin({ email: 'ada@staff.example', name: 'Ada Admin' })).id;
});

afterAll(() => harness.stop());

const address = (label: string) => `${label}.${Math.random().toString(36).slice(2, 10)}@staff.example`;

async function invite(scopes: Scope[], name = 'Moderator Mo') {
  const staff = await createInvitation({ email: address('invitee'), name, scopes, invitedBy: adminId });
  const executionArn = await harness.sfn.start(harness.stateMachineArn, staff.invitationExecution!, {
    staffId: staff.id,
  });
  return { staff, executionArn };
}

/** The staff user once the invitation execution has stored a task token different from `previous`. */
function storedToken(staffId: string, previous?: string): Promise<string> {
  return eventually(async () => {
    const token = (await getStaff(staffId))?.invitationTaskToken;
    return token && token !== previous ? token : undefined;
  });
}

/** What accepting the emailed link does on the API side: answer the stored token with `{acceptedAt}`. */
async function accept(taskToken: string, acceptedAt = new Date().toISOString()) {
  await harness.sfn.client.send(
    new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ acceptedAt }) }),
  );
  return acceptedAt;
}

function acceptToken(email: StoredEmail): string {
  const match = /\/staff\/accept\?token=([A-Za-z0-9_-]{43})\b/.exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error('No invitation link in the email');
  return match[1];
}

async function link(token: string) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: harness.env.tableName, Key: keys.link(hashLinkToken(token)) }),
  );
  return Item as LinkItem | undefined;
}

async function partition(staffId: string) {
  const { Items } = await documentClient.send(
    new QueryCommand({
      TableName: harness.env.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.staffPartition(staffId) },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

async function emailItem(email: string) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: harness.env.tableName, Key: keys.staffEmail(email), ConsistentRead: true }),
  );
  return Item;
}

describe('staff invitation workflow', () => {
  it('accept: emails the link, waits for the answer, activates (and counts a network admin)', async () => {
    const { staff, executionArn } = await invite(
      ['network:admin', 'site:history:moderate'],
      `<b>Mo</b> "O'Moderator"`,
    );
    const [invitation] = await awaitEmails(harness.env.sesUrl, staff.email);
    expect(invitation!.subject).toBe('You are invited to help run the New Theatre alumni sites');
    expect(invitation!.body.text).toContain(`${TEST_API_URL}/staff/accept?token=`);
    expect(invitation!.body.text).toContain("moderate the history site's submissions");
    expect(invitation!.body.text).toContain('The link works once, for 7 days.');
    expect(invitation!.body.html).toContain('&lt;b&gt;Mo&lt;/b&gt; &quot;O&#39;Moderator&quot;');
    expect(invitation!.body.html).not.toContain('<b>Mo</b>');
    const linkToken = acceptToken(invitation!);
    expect(await link(linkToken)).toMatchObject({
      purpose: 'staff-invite',
      memberId: staff.id,
      invitationExecution: staff.invitationExecution,
    });

    const taskToken = await storedToken(staff.id);
    expect(await countActiveNetworkAdmins()).toBe(1);
    const acceptedAt = await accept(taskToken);
    const execution = await harness.sfn.finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const events = await historyOf(harness.sfn.client, executionArn);
    expect(statePath(events)).toEqual(['LoadInvitation', 'AwaitAcceptance', 'ActivateStaff', 'Accepted']);
    expect(count(events, 'TaskFailed')).toBe(0);

    const active = await getStaff(staff.id);
    expect(active).toMatchObject({ status: 'active', activatedAt: acceptedAt });
    expect(active?.invitationTaskToken).toBeUndefined();
    expect(active?.invitationExecution).toBeUndefined();
    expect(await scopesOf(staff.id)).toEqual(['network:admin', 'site:history:moderate']);
    expect(await countActiveNetworkAdmins()).toBe(2);

    // The token works once.
    await expect(accept(taskToken)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(await emailsTo(harness.env.sesUrl, staff.email)).toHaveLength(1);
  });

  it('expiry: nobody accepts in time, and the user, address and permissions are removed', async () => {
    process.env.STAFF_INVITATION_TIMEOUT_SECONDS = '600';
    try {
      const { staff, executionArn } = await invite(['site:alumni:moderate']);
      await awaitEmails(harness.env.sesUrl, staff.email);
      const execution = await harness.sfn.finished(executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      const events = await historyOf(harness.sfn.client, executionArn);
      expect(statePath(events)).toEqual([
        'LoadInvitation',
        'AwaitAcceptance',
        'ExpireInvitation',
        'InvitationExpired',
      ]);
      expect(count(events, 'TaskTimedOut')).toBe(1);
      expect(await partition(staff.id)).toEqual([]);
      expect(await emailItem(staff.email)).toBeUndefined();
      // The address can be invited again.
      const again = await createInvitation({
        email: staff.email,
        name: 'Again',
        scopes: [],
        invitedBy: adminId,
      });
      expect(again.id).not.toBe(staff.id);
    } finally {
      delete process.env.STAFF_INVITATION_TIMEOUT_SECONDS;
    }
  });

  it('reinvite: the old execution is stopped, its token refused; the new one is accepted', async () => {
    const { staff, executionArn: firstArn } = await invite(['site:history:moderate']);
    await awaitEmails(harness.env.sesUrl, staff.email);
    const firstToken = await storedToken(staff.id);

    // What POST /staff/{id}/reinvite does: name the new execution, stop the old one, start the new one.
    const secondName = staffInvitationExecutionName(staff.id, new Date(Date.now() + 1000));
    await setInvitationExecution(staff.id, secondName);
    await harness.sfn.client.send(new StopExecutionCommand({ executionArn: firstArn }));
    const secondArn = await harness.sfn.start(harness.stateMachineArn, secondName, { staffId: staff.id });
    const emails = await awaitEmails(harness.env.sesUrl, staff.email, 2);
    const secondToken = await storedToken(staff.id, firstToken);
    expect(await link(acceptToken(emails[0]!))).toMatchObject({
      invitationExecution: staff.invitationExecution,
    });
    expect(await link(acceptToken(emails[1]!))).toMatchObject({ invitationExecution: secondName });

    await expect(accept(firstToken)).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(await getStaff(staff.id)).toMatchObject({ status: 'invited', invitationExecution: secondName });

    await accept(secondToken);
    expect((await harness.sfn.finished(secondArn)).status).toBe('SUCCEEDED');
    expect(statePath(await historyOf(harness.sfn.client, secondArn))).toEqual([
      'LoadInvitation',
      'AwaitAcceptance',
      'ActivateStaff',
      'Accepted',
    ]);
    const first = await harness.sfn.finished(firstArn);
    expect(first.status).toBe('ABORTED');
    expect(statePath(await historyOf(harness.sfn.client, firstArn))).toEqual([
      'LoadInvitation',
      'AwaitAcceptance',
    ]);
    expect(await getStaff(staff.id)).toMatchObject({ status: 'active' });
    expect(await scopesOf(staff.id)).toEqual(['site:history:moderate']);
  });

  it('an execution that does not own the invitation stops at once and touches nothing', async () => {
    const staff = await createInvitation({
      email: address('stale'),
      name: 'Stale',
      scopes: [],
      invitedBy: adminId,
    });
    const executionArn = await harness.sfn.start(
      harness.stateMachineArn,
      staffInvitationExecutionName(staff.id, new Date(Date.now() - 60_000)),
      { staffId: staff.id },
    );
    const execution = await harness.sfn.finished(executionArn);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvitationNotPending' });
    expect(statePath(await historyOf(harness.sfn.client, executionArn))).toEqual([
      'LoadInvitation',
      'InvitationNotPending',
    ]);
    expect(await getStaff(staff.id)).toEqual(staff);
    expect(await emailsTo(harness.env.sesUrl, staff.email)).toEqual([]);
  });

  it('a failure while inviting is compensated: the invitation is removed, nothing is left', async () => {
    harness.ses.failNext(10, sesThrottled);
    const { staff, executionArn } = await invite(['site:history:moderate']);
    const execution = await harness.sfn.finished(executionArn);
    harness.ses.failNext(0, sesThrottled);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvitationFailed', cause: 'RetryableError' });
    const events = await historyOf(harness.sfn.client, executionArn);
    expect(statePath(events)).toEqual([
      'LoadInvitation',
      'AwaitAcceptance',
      'ExpireAfterFailure',
      'InvitationFailed',
    ]);
    // One attempt and MaxAttempts (4) retries.
    expect(count(events, 'TaskFailed')).toBe(5);
    expect(await partition(staff.id)).toEqual([]);
    expect(await emailItem(staff.email)).toBeUndefined();
    expect(await emailsTo(harness.env.sesUrl, staff.email)).toEqual([]);
  });

  it('a staff item typed as the contract says round-trips through the workflow (no stray attributes)', async () => {
    const { staff, executionArn } = await invite([]);
    await awaitEmails(harness.env.sesUrl, staff.email);
    await accept(await storedToken(staff.id));
    await harness.sfn.finished(executionArn);
    const active = (await getStaff(staff.id)) as StaffItem;
    expect(Object.keys(active).sort()).toEqual(
      [
        'activatedAt',
        'createdAt',
        'email',
        'entity',
        'gsi1pk',
        'gsi1sk',
        'id',
        'invitedBy',
        'name',
        'pk',
        'sk',
        'status',
        'updatedAt',
      ].sort(),
    );
  });
});
