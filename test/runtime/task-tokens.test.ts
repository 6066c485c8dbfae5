/**
 * `.waitForTaskToken` on the local runtime, driven through `@aws-sdk/client-sfn` as the API will drive it:
 * success, failure, timeout, heartbeats, a second answer, StopExecution while waiting, and timeouts too long for
 * setTimeout.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  count,
  historyOf,
  receivedTaskToken,
  startLocalSfn,
  statePath,
  type LocalSfn,
} from '../helpers/local-stepfunctions.js';

/** A workflow second lasts 1 ms: the 600 s approval timeout passes in 0.6 s. */
const TIME_SCALE = 0.001;
const THIRTY_DAYS = 30 * 24 * 3600;

let sfn: LocalSfn;
let client: SFNClient;
let approvalArn: string;

function approvalMachine(timeoutSeconds: number, extra: Record<string, unknown> = {}) {
  return {
    StartAt: 'AwaitApproval',
    States: {
      AwaitApproval: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: '${RuntimeCallbackReceiverFunctionArn}',
          Payload: { 'key.$': '$$.Execution.Name', 'taskToken.$': '$$.Task.Token' },
        },
        TimeoutSeconds: timeoutSeconds,
        ResultPath: '$.decision',
        // States.TaskFailed comes first on purpose: as in AWS it must not match a timeout.
        Catch: [
          { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Rejected' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'Expired' },
        ],
        Next: 'Approved',
        ...extra,
      },
      Approved: { Type: 'Succeed' },
      Rejected: { Type: 'Pass', End: true },
      Expired: { Type: 'Pass', End: true },
    },
  };
}

beforeAll(async () => {
  sfn = await startLocalSfn({ timeScale: TIME_SCALE });
  client = sfn.client;
  approvalArn = await sfn.createMachine('approval', approvalMachine(600));
});

afterAll(async () => {
  await sfn.stop();
});

function start(name: string, stateMachineArn = approvalArn) {
  return sfn.start(stateMachineArn, name);
}

function finished(executionArn: string) {
  return sfn.finished(executionArn);
}

describe('task tokens', () => {
  it('resumes with the output of SendTaskSuccess, and refuses a second answer', async () => {
    const executionArn = await start('success');
    const taskToken = await receivedTaskToken('success');
    await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true }) }));
    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ decision: { approved: true } });
    expect(statePath(await historyOf(client, executionArn))).toEqual(['AwaitApproval', 'Approved']);

    await expect(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(
      client.send(new SendTaskFailureCommand({ taskToken, error: 'Rejected', cause: 'late' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('fails the task with the error and cause of SendTaskFailure', async () => {
    const executionArn = await start('failure');
    const taskToken = await receivedTaskToken('failure');
    await client.send(
      new SendTaskFailureCommand({ taskToken, error: 'SubmissionRejected', cause: 'off-topic' }),
    );
    const execution = await finished(executionArn);
    expect((JSON.parse(execution.output!) as { failure: unknown }).failure).toEqual({
      Error: 'SubmissionRejected',
      Cause: 'off-topic',
    });
    const events = await historyOf(client, executionArn);
    expect(statePath(events)).toEqual(['AwaitApproval', 'Rejected']);
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'SubmissionRejected',
      cause: 'off-topic',
    });
  });

  it('times out after the scaled TimeoutSeconds, caught as States.Timeout and not as States.TaskFailed', async () => {
    const executionArn = await start('timeout');
    const taskToken = await receivedTaskToken('timeout');
    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect((JSON.parse(execution.output!) as { timeout: { Error: string } }).timeout.Error).toBe(
      'States.Timeout',
    );
    const events = await historyOf(client, executionArn);
    expect(statePath(events)).toEqual(['AwaitApproval', 'Expired']);
    expect(count(events, 'TaskTimedOut')).toBe(1);
    await expect(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('ends ABORTED on StopExecution while waiting, and the token is refused afterwards', async () => {
    const executionArn = await start('stopped');
    const taskToken = await receivedTaskToken('stopped');
    await client.send(
      new StopExecutionCommand({ executionArn, error: 'Withdrawn', cause: 'by its submitter' }),
    );
    const execution = await finished(executionArn);
    expect(execution.status).toBe('ABORTED');
    const events = await historyOf(client, executionArn);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Withdrawn', cause: 'by its submitter' },
    });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('answers InvalidToken, TaskDoesNotExist and InvalidOutput as AWS does', async () => {
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    const unknown = `LST1${'A'.repeat(64)}`;
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    const executionArn = await start('bad-output');
    const taskToken = await receivedTaskToken('bad-output');
    await expect(
      client.send(new SendTaskSuccessCommand({ taskToken, output: '{oops' })),
    ).rejects.toMatchObject({
      name: 'InvalidOutput',
    });
    // The refused answer changed nothing: the task still waits and accepts a valid one.
    await client.send(new SendTaskSuccessCommand({ taskToken, output: '{"ok":true}' }));
    expect((await finished(executionArn)).status).toBe('SUCCEEDED');
  });

  it('keeps a task alive while heartbeats arrive, then times it out when they stop', async () => {
    // HeartbeatSeconds 1000 → 1 s real time; the overall timeout is far away.
    const arn = await sfn.createMachine(
      'heartbeat',
      approvalMachine(THIRTY_DAYS, { HeartbeatSeconds: 1000 }),
    );
    const executionArn = await start('heartbeat', arn);
    const taskToken = await receivedTaskToken('heartbeat');
    const startedAt = Date.now();
    for (let beat = 0; beat < 6; beat++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await client.send(new SendTaskHeartbeatCommand({ taskToken }));
    }
    const execution = await finished(executionArn);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1500);
    const { timeout } = JSON.parse(execution.output!) as { timeout: { Error: string; Cause: string } };
    expect(timeout.Error).toBe('States.Timeout');
    expect(timeout.Cause).toContain('heartbeat');
    const timedOut = (await historyOf(client, executionArn)).find((event) => event.type === 'TaskTimedOut');
    expect(timedOut?.taskTimedOutEventDetails?.cause).toContain('HeartbeatSeconds 1000');
  });
});

describe('TimeoutSecondsPath', () => {
  it('reads the timeout from the state input, not from the Parameters output', async () => {
    const arn = await sfn.createMachine('timeout-from-input', {
      StartAt: 'AwaitApproval',
      States: {
        AwaitApproval: {
          ...approvalMachine(1).States.AwaitApproval,
          TimeoutSeconds: undefined,
          TimeoutSecondsPath: '$.settings.waitSeconds',
        },
        Approved: { Type: 'Succeed' },
        Rejected: { Type: 'Pass', End: true },
        Expired: { Type: 'Pass', End: true },
      },
    });
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        name: 'timeout-from-input',
        input: JSON.stringify({ settings: { waitSeconds: 300 } }),
      }),
    );
    const execution = await finished(started.executionArn!);
    const events = await historyOf(client, started.executionArn!);
    expect(statePath(events)).toEqual(['AwaitApproval', 'Expired']);
    expect(events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({
      timeoutInSeconds: 300,
    });
    // The task received its own Parameters, not the wrapper that carries the timeout.
    expect(
      JSON.parse(
        events.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!.parameters!,
      ),
    ).toHaveProperty('FunctionName');
    expect((JSON.parse(execution.output!) as { timeout: { Error: string } }).timeout.Error).toBe(
      'States.Timeout',
    );
  });
});

describe('time beyond setTimeout (24.8 days)', () => {
  it('does not fire a 30-day task timeout or a 30-day Wait at once', async () => {
    const unscaled = await startLocalSfn({ timeScale: 1 });
    try {
      const taskArn = await unscaled.createMachine('long-task', approvalMachine(THIRTY_DAYS));
      const waitArn = await unscaled.createMachine('long-wait', {
        StartAt: 'Sleep',
        States: { Sleep: { Type: 'Wait', Seconds: THIRTY_DAYS, End: true } },
      });
      const task = await unscaled.client.send(
        new StartExecutionCommand({ stateMachineArn: taskArn, name: 'long-task' }),
      );
      const wait = await unscaled.client.send(
        new StartExecutionCommand({ stateMachineArn: waitArn, name: 'long-wait' }),
      );
      const taskToken = await receivedTaskToken('long-task');
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const executionArn of [task.executionArn, wait.executionArn]) {
        const described = await unscaled.client.send(new DescribeExecutionCommand({ executionArn }));
        expect(described.status).toBe('RUNNING');
      }
      await unscaled.client.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
      expect(await unscaled.engine.waitForExecution(task.executionArn!)).toBe('SUCCEEDED');
      await unscaled.client.send(new StopExecutionCommand({ executionArn: wait.executionArn }));
      expect(await unscaled.engine.waitForExecution(wait.executionArn!)).toBe('ABORTED');
    } finally {
      await unscaled.stop();
    }
  });
});
