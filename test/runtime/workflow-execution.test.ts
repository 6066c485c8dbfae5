/**
 * The local Step Functions runtime, exercised only through `@aws-sdk/client-sfn`: the constructs our workflows use,
 * the history they leave, and AWS's error names.
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  count,
  receivedTaskToken,
  historyOf,
  startLocalSfn,
  statePath,
  type LocalSfn,
} from '../helpers/local-stepfunctions.js';

const TOUR = 'test/fixtures/runtime-tour.asl.json';
/** One workflow second is 10 ms here: the tour's 5 s Wait takes 50 ms, its 2 s retry interval 20 ms. */
const TIME_SCALE = 0.01;

let sfn: LocalSfn;
let client: SFNClient;
let tourArn: string;

beforeAll(async () => {
  sfn = await startLocalSfn({ timeScale: TIME_SCALE });
  client = sfn.client;
  tourArn = await sfn.createMachine('runtime-tour', TOUR);
});

afterAll(async () => {
  await sfn.stop();
});

function start(stateMachineArn: string, name: string, input: object) {
  return sfn.start(stateMachineArn, name, input);
}

function finished(executionArn: string) {
  return sfn.finished(executionArn);
}

describe('state machines', () => {
  it('lists and describes a created machine with its definition', async () => {
    const listed = await client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((machine) => machine.name)).toContain('runtime-tour');
    const described = await client.send(new DescribeStateMachineCommand({ stateMachineArn: tourArn }));
    expect(described.type).toBe('STANDARD');
    expect((JSON.parse(described.definition!) as { StartAt: string }).StartAt).toBe('Greet');
    expect(described.creationDate).toBeInstanceOf(Date);
  });

  it('refuses a definition that is not valid ASL with InvalidDefinition', async () => {
    await expect(sfn.createMachine('broken', { StartAt: 'Missing', States: {} })).rejects.toMatchObject({
      name: 'InvalidDefinition',
    });
  });

  it('answers StateMachineDoesNotExist and ExecutionDoesNotExist for unknown ARNs', async () => {
    const unknownMachine = 'arn:aws:states:us-east-1:000000000000:stateMachine:nope';
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: unknownMachine })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      client.send(
        new DescribeExecutionCommand({
          executionArn: `${tourArn.replace('stateMachine', 'execution')}:nope`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('the tour: Task, Retry, Parallel, Wait, Map, Choice and a task token', () => {
  it('takes the expected path, retries twice with backoff and returns every result', async () => {
    const executionArn = await start(tourArn, 'tour-happy', {
      failTimes: 2,
      items: ['a', 'b', 'c'],
      tag: 'from-input',
      needsApproval: true,
    });
    const token = await receivedTaskToken('tour-happy');
    sfn.engine.sendTaskSuccess({
      taskToken: token,
      output: JSON.stringify({ approvedBy: 'moderator-1' }),
    });

    const execution = await finished(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const output = JSON.parse(execution.output!) as {
      greeting: unknown;
      flaky: unknown;
      fanOut: { mapped: unknown };
      approval: unknown;
    };
    expect(output.greeting).toEqual({
      echoed: {
        executionName: 'tour-happy',
        startTime: execution.startDate!.toISOString(),
        machine: 'runtime-tour',
      },
      statusCode: 200,
    });
    expect(output.flaky).toEqual({ attempt: 3 });
    // `$$.Map.Item.*` and `$$.Execution.Input` inside a Map nested in a Parallel branch.
    expect(output.fanOut.mapped).toEqual([
      { item: 'a', index: 0, input: 'from-input' },
      { item: 'b', index: 1, input: 'from-input' },
      { item: 'c', index: 2, input: 'from-input' },
    ]);
    expect(output.approval).toEqual({ approvedBy: 'moderator-1' });

    const events = await historyOf(client, executionArn);
    const path = statePath(events);
    expect(path.filter((name) => name !== 'EchoItem' && name !== 'Pause' && name !== 'EachItem')).toEqual([
      'Greet',
      'Flaky',
      'FanOut',
      'Route',
      'AwaitApproval',
      'Done',
    ]);
    expect(path.filter((name) => name === 'EchoItem')).toHaveLength(3);
    expect(path).toContain('Pause');

    const flakyEvents = events.filter((event) => event.id! > indexOfEntered(events, 'Flaky'));
    const untilFanOut = flakyEvents.slice(
      0,
      flakyEvents.findIndex((event) => event.type === 'TaskStateExited'),
    );
    expect(count(untilFanOut, 'TaskFailed')).toBe(2);
    expect(count(untilFanOut, 'TaskScheduled')).toBe(3);
    // Backoff: the second retry waits twice the first (IntervalSeconds 2, BackoffRate 2 → 20 ms then 40 ms).
    const gaps = retryGaps(untilFanOut);
    expect(gaps[0]).toBeGreaterThanOrEqual(2 * 1000 * TIME_SCALE - 2);
    expect(gaps[1]).toBeGreaterThanOrEqual(4 * 1000 * TIME_SCALE - 2);

    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(count(events, 'MapIterationSucceeded')).toBe(3);
    expect(count(events, 'TaskSubmitted')).toBe(1);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
  });

  it('catches exhausted retries and ends in the Fail state with its error', async () => {
    const executionArn = await start(tourArn, 'tour-gives-up', {
      failTimes: 10,
      items: [],
      needsApproval: false,
    });
    const execution = await finished(executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('GaveUp');
    expect(execution.cause).toBe('The flaky task kept failing');
    const events = await historyOf(client, executionArn);
    expect(statePath(events)).toEqual(['Greet', 'Flaky', 'GaveUp']);
    // One attempt and MaxAttempts (3) retries.
    expect(count(events, 'TaskFailed')).toBe(4);
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
  });

  it('lists executions newest first and filters by status', async () => {
    const all = await client.send(new ListExecutionsCommand({ stateMachineArn: tourArn }));
    const names = all.executions!.map((execution) => execution.name);
    expect(names.indexOf('tour-gives-up')).toBeLessThan(names.indexOf('tour-happy'));
    const failed = await client.send(
      new ListExecutionsCommand({ stateMachineArn: tourArn, statusFilter: 'FAILED' }),
    );
    expect(failed.executions!.map((execution) => execution.name)).toEqual(['tour-gives-up']);
  });
});

describe('execution names', () => {
  it('returns the same execution for a repeated start with the same input while it runs', async () => {
    const input = { failTimes: 0, items: [], needsApproval: true };
    const first = await start(tourArn, 'idempotent', input);
    const again = await start(tourArn, 'idempotent', input);
    expect(again).toBe(first);
    await expect(start(tourArn, 'idempotent', { ...input, failTimes: 1 })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    const token = await receivedTaskToken('idempotent');
    sfn.engine.sendTaskSuccess({ taskToken: token, output: '{}' });
    await finished(first);
    // As in AWS, a closed execution's name cannot be reused, even with the same input.
    await expect(start(tourArn, 'idempotent', input)).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('refuses names AWS refuses', async () => {
    await expect(start(tourArn, 'has spaces', {})).rejects.toMatchObject({ name: 'InvalidName' });
  });

  it('refuses input that is not JSON', async () => {
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: tourArn, input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
  });
});

describe('Lambda task errors', () => {
  it('reports a custom error name with the Lambda error document as cause, and States.TaskFailed catches it', async () => {
    const arn = await sfn.createMachine('lambda-errors', {
      StartAt: 'Explode',
      States: {
        Explode: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: '${RuntimeFailFunctionArn}',
            Payload: { errorName: 'MemberAlreadyExists', message: 'taken' },
          },
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    });
    const execution = await finished(await start(arn, 'custom-error', {}));
    expect(execution.status).toBe('SUCCEEDED');
    const { error } = JSON.parse(execution.output!) as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('MemberAlreadyExists');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'MemberAlreadyExists',
      errorMessage: 'taken',
    });
  });

  it('fails with Lambda.ResourceNotFoundException for a function that is not registered', async () => {
    const arn = await sfn.createMachine('missing-function', {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          // Taken from the input: a literal unknown ARN is already refused by CreateStateMachine's lint.
          Parameters: { 'FunctionName.$': '$.functionName', Payload: {} },
          End: true,
        },
      },
    });
    const execution = await finished(
      await start(arn, 'missing', {
        functionName: 'arn:aws:lambda:us-east-1:000000000000:function:not-registered',
      }),
    );
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Lambda.ResourceNotFoundException');
  });

  it('returns the payload itself for a direct Lambda ARN resource', async () => {
    const arn = await sfn.createMachine('direct-lambda', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: '${RuntimeEchoFunctionArn}', End: true } },
    });
    const execution = await finished(await start(arn, 'direct', { hello: 'world' }));
    expect(JSON.parse(execution.output!)).toEqual({ echoed: { hello: 'world' } });
    const events = await historyOf(client, execution.executionArn!);
    expect(events.map((event) => event.type)).toContain('LambdaFunctionSucceeded');
  });
});

describe('execution timeout', () => {
  it('ends TIMED_OUT when the machine-level TimeoutSeconds passes', async () => {
    const arn = await sfn.createMachine('execution-timeout', {
      TimeoutSeconds: 10,
      StartAt: 'Sleep',
      States: { Sleep: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    const execution = await finished(await start(arn, 'slow', {}));
    expect(execution.status).toBe('TIMED_OUT');
    const events = await historyOf(client, execution.executionArn!);
    expect(events.at(-1)?.type).toBe('ExecutionTimedOut');
  });
});

function indexOfEntered(
  events: { id?: number; stateEnteredEventDetails?: { name?: string } }[],
  name: string,
) {
  return events.find((event) => event.stateEnteredEventDetails?.name === name)!.id!;
}

/** Milliseconds between each failure and the next attempt's TaskScheduled. */
function retryGaps(events: { type?: string; timestamp?: Date }[]): number[] {
  const gaps: number[] = [];
  events.forEach((event, index) => {
    if (event.type !== 'TaskFailed') return;
    const next = events.slice(index).find((later) => later.type === 'TaskScheduled');
    if (next) gaps.push(next.timestamp!.getTime() - event.timestamp!.getTime());
  });
  return gaps;
}
