/**
 * The staff sign-in workflow (statemachines/staff-sign-in.asl.json) on the local runtime, with its real task,
 * DynamoDB Local and the SES emulator: started the way `POST /staff/login` starts it (`requestStaffSignIn`), for an
 * active staff user, an invited one and an unknown address, and through SES throttling.
 */
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { documentClient } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { createInvitation } from '../../core/staff/repository.js';
import { requestStaffSignIn } from '../../core/staff/service.js';
import { sesThrottled } from '../helpers/fault-proxy.js';
import { awaitEmails, emailsTo } from '../helpers/inbox.js';
import { count, eventually, historyOf, statePath } from '../helpers/local-stepfunctions.js';
import { putActiveStaff, uniqueEmail } from '../helpers/staff.js';
import { startWorkflowHarness, TEST_API_URL, type WorkflowHarness } from '../helpers/workflow-harness.js';

let harness: WorkflowHarness;

beforeAll(async () => {
  harness = await startWorkflowHarness('staff-sign-in');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: harness.sfn.server.url,
    STAFF_SIGN_IN_STATE_MACHINE_ARN: harness.stateMachineArn,
  });
});

afterAll(() => harness.stop());

/** Asks for a sign-in link as the API does, and returns the finished execution, its history and its output. */
async function signIn(email: string) {
  const { executions: before = [] } = await harness.sfn.client.send(
    new ListExecutionsCommand({ stateMachineArn: harness.stateMachineArn }),
  );
  await requestStaffSignIn(email);
  const started = await eventually(async () => {
    const { executions = [] } = await harness.sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: harness.stateMachineArn }),
    );
    return executions.find((execution) => !before.some((old) => old.executionArn === execution.executionArn));
  });
  const execution = await harness.sfn.finished(started.executionArn!);
  const events = await historyOf(harness.sfn.client, started.executionArn!);
  const requestId = started.name!.replace(/^staff-signin-/, '');
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: harness.env.tableName,
      Key: keys.staffSignInRequest(requestId),
      ConsistentRead: true,
    }),
  );
  return { execution, events, request: Item, history: JSON.stringify(events) };
}

describe('staff sign-in workflow', () => {
  it('emails an active staff user a link; nobody else gets anything; the address never enters the history', async () => {
    const active = await putActiveStaff(['site:history:moderate'], 'signer');
    const invited = await createInvitation({
      email: uniqueEmail('invited'),
      name: 'In Vited',
      scopes: [],
      invitedBy: 'test',
    });
    const unknown = uniqueEmail('unknown');

    const sent = await signIn(active.email);
    expect(sent.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(sent.execution.output!)).toMatchObject({ result: { sent: true } });
    expect(statePath(sent.events)).toEqual(['SendSignInLink']);
    const [email] = await awaitEmails(harness.env.sesUrl, active.email);
    expect(email!.body.text).toContain(`${TEST_API_URL}/staff/signin?token=`);
    expect(sent.request).toBeUndefined();
    expect(sent.history).not.toContain(active.email);

    for (const address of [invited.email, unknown]) {
      const none = await signIn(address);
      expect(JSON.parse(none.execution.output!)).toMatchObject({ result: { sent: false } });
      expect(none.request).toBeUndefined();
      expect(none.history).not.toContain(address);
      expect(await emailsTo(harness.env.sesUrl, address)).toEqual([]);
    }
  });

  it('retries SES throttling with the email given back to the allowance each time', async () => {
    process.env.SIGN_IN_EMAIL_BURST = '1';
    try {
      const active = await putActiveStaff(['site:history:moderate'], 'throttled');
      harness.ses.failNext(2, sesThrottled);
      const { execution, events } = await signIn(active.email);
      expect(JSON.parse(execution.output!)).toMatchObject({ result: { sent: true } });
      expect(count(events, 'TaskFailed')).toBe(2);
      expect(await awaitEmails(harness.env.sesUrl, active.email)).toHaveLength(1);
    } finally {
      delete process.env.SIGN_IN_EMAIL_BURST;
    }
  });

  it('a throttled clean-up after the email is not retried into a second email', async () => {
    const active = await putActiveStaff(['site:history:moderate'], 'cleanup');
    // DynamoDB throttles the request's deletion (the step's last call), once: an edge fault, injected at the client.
    const send = documentClient.send.bind(documentClient);
    let failed = 0;
    // send's overloads include a callback form returning void; this stands in for the promise form only.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    const spy = vi.spyOn(documentClient, 'send').mockImplementation(((command: unknown) => {
      if (
        command instanceof DeleteCommand &&
        String(command.input.Key?.pk).startsWith('STAFF-SIGNIN') &&
        !failed
      ) {
        failed += 1;
        return Promise.reject(
          new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }),
        );
      }
      return send(command as never);
    }) as typeof documentClient.send);
    try {
      const { execution, events } = await signIn(active.email);
      expect(failed).toBe(1);
      expect(JSON.parse(execution.output!)).toMatchObject({ result: { sent: true } });
      expect(count(events, 'TaskFailed')).toBe(0);
      await awaitEmails(harness.env.sesUrl, active.email);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await emailsTo(harness.env.sesUrl, active.email)).toHaveLength(1);
    } finally {
      spy.mockRestore();
    }
  });
});
