/**
 * Executions survive a restart of the local runtime: finished ones are still listed with their history, one waiting
 * for a task token at the top level resumes and accepts the same token, and one that cannot be resumed (inside a
 * Parallel) is marked failed with a clear cause and its token answers TaskDoesNotExist. A resumed wait keeps the
 * deadline it was given before the restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../infra/local/stepfunctions/store.js';
import {
  count,
  historyOf,
  receivedTaskToken,
  startLocalSfn,
  statePath,
} from '../helpers/local-stepfunctions.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sfn-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const callback = {
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  Parameters: {
    FunctionName: '${RuntimeCallbackReceiverFunctionArn}',
    Payload: { 'key.$': '$$.Execution.Name', 'taskToken.$': '$$.Task.Token' },
  },
  TimeoutSeconds: 3600,
  ResultPath: '$.answer',
};

const topLevelWait = {
  StartAt: 'Before',
  States: {
    Before: { Type: 'Pass', Result: 'done', ResultPath: '$.before', Next: 'Await' },
    Await: { ...callback, Next: 'After' },
    After: { Type: 'Pass', End: true },
  },
};

const waitInParallel = {
  StartAt: 'Both',
  States: {
    Both: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'AwaitInBranch', States: { AwaitInBranch: { ...callback, End: true } } }],
      End: true,
    },
  },
};

describe('restarting the local runtime', () => {
  it('keeps finished executions and resumes or fails running ones', async () => {
    const first = await startLocalSfn({ store: new FileStore(dataDir) });
    const waitArn = await first.createMachine('top-level-wait', topLevelWait);
    const parallelArn = await first.createMachine('wait-in-parallel', waitInParallel);

    const done = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: waitArn, name: 'done' }),
    );
    await first.client.send(
      new SendTaskSuccessCommand({ taskToken: await receivedTaskToken('done'), output: '"yes"' }),
    );
    await first.engine.waitForExecution(done.executionArn!);

    const resumable = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: waitArn, name: 'resumable', input: '{"n":1}' }),
    );
    const resumableToken = await receivedTaskToken('resumable');
    const stuck = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: parallelArn, name: 'stuck' }),
    );
    const stuckToken = await receivedTaskToken('stuck');
    await first.stop();

    const second = await startLocalSfn({ store: new FileStore(dataDir) });
    try {
      const listed = await second.client.send(new ListExecutionsCommand({ stateMachineArn: waitArn }));
      expect(Object.fromEntries(listed.executions!.map((e) => [e.name, e.status]))).toEqual({
        done: 'SUCCEEDED',
        resumable: 'RUNNING',
      });
      expect(statePath(await historyOf(second.client, done.executionArn!))).toEqual([
        'Before',
        'Await',
        'After',
      ]);

      const failed = await second.client.send(
        new DescribeExecutionCommand({ executionArn: stuck.executionArn }),
      );
      expect(failed.status).toBe('FAILED');
      expect(failed.error).toBe('States.Runtime');
      expect(failed.cause).toMatch(/stopped while this execution was running inside a Parallel or Map/);
      await expect(
        second.client.send(new SendTaskSuccessCommand({ taskToken: stuckToken, output: '{}' })),
      ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });

      await second.client.send(
        new SendTaskSuccessCommand({ taskToken: resumableToken, output: '"after restart"' }),
      );
      expect(await second.engine.waitForExecution(resumable.executionArn!)).toBe('SUCCEEDED');
      const resumed = await second.client.send(
        new DescribeExecutionCommand({ executionArn: resumable.executionArn }),
      );
      expect(JSON.parse(resumed.output!)).toEqual({ n: 1, before: 'done', answer: 'after restart' });
      const events = await historyOf(second.client, resumable.executionArn!);
      expect(statePath(events)).toEqual(['Before', 'Await', 'After']);
      expect(count(events, 'TaskScheduled')).toBe(1);
      expect(count(events, 'ExecutionStarted')).toBe(1);
    } finally {
      await second.stop();
    }
  });

  it('a resumed task keeps its stored deadline: it times out when it would have, not a full timeout later', async () => {
    const store = join(dataDir, 'deadline');
    const shortWait = {
      StartAt: 'Await',
      States: { Await: { ...callback, TimeoutSeconds: 1, End: true } },
    };
    const first = await startLocalSfn({ store: new FileStore(store) });
    const machineArn = await first.createMachine('short-wait', shortWait);
    const startedAt = Date.now();
    const started = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'deadline' }),
    );
    await receivedTaskToken('deadline');
    // Most of the 1 s wait passes before the restart.
    await new Promise((resolve) => setTimeout(resolve, 600 - (Date.now() - startedAt)));
    await first.stop();

    const restartedAt = Date.now();
    const second = await startLocalSfn({ store: new FileStore(store) });
    try {
      expect(await second.engine.waitForExecution(started.executionArn!)).toBe('FAILED');
      const endedAt = Date.now();
      expect(endedAt - startedAt).toBeGreaterThanOrEqual(1000);
      // A fresh full timeout would end it no sooner than 1 s after the restart.
      expect(endedAt - restartedAt).toBeLessThan(1000);
      const failed = await second.client.send(
        new DescribeExecutionCommand({ executionArn: started.executionArn }),
      );
      expect(failed.error).toBe('States.Timeout');
      expect(count(await historyOf(second.client, started.executionArn!), 'TaskTimedOut')).toBe(1);
    } finally {
      await second.stop();
    }
  });
});
