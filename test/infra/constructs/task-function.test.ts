import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { AppTable } from '../../../infra/constructs/app-table.js';
import { EmailSending } from '../../../infra/constructs/email-sending.js';
import { NotificationsKey } from '../../../infra/constructs/notifications-key.js';
import { TaskLambda, taskFunctionId } from '../../../infra/constructs/task-function.js';
import type { TaskFunction } from '../../../tasks/registry.js';
import { fixtureTasks } from '../../fixtures/tasks/fixture-tasks.js';
import { asList, constructTestStack, logicalId, resourcesOf, roleStatements } from '../support.js';

const [greet, notify] = fixtureTasks as [TaskFunction, TaskFunction];

function build(
  task: TaskFunction,
  callbackStateMachineArns: string[] = ['arn:aws:states:eu-west-2:1:stateMachine:m'],
) {
  const stack = constructTestStack();
  const table = new AppTable(stack, 'AppTable');
  const email = new EmailSending(stack, 'Email', {
    senderEmail: 'alumni@newtheatre.example',
    encryptionKey: new NotificationsKey(stack, 'Key'),
  });
  const lambda = new TaskLambda(stack, taskFunctionId(task), {
    task,
    environment: { TABLE_NAME: 't' },
    logRetention: RetentionDays.ONE_MONTH,
    table,
    email,
    callbackStateMachineArns,
  });
  const resources = resourcesOf(stack);
  const statements = roleStatements(resources, logicalId(lambda.role));
  return {
    stack,
    lambda,
    resources,
    statements,
    actions: statements.flatMap((s) => asList(s.Action)).sort(),
  };
}

describe('TaskLambda', () => {
  it('is named after the task: fixture-greet → FixtureGreetFunction', () => {
    expect(taskFunctionId(greet)).toBe('FixtureGreetFunction');
    const { lambda } = build(greet);
    expect(logicalId(lambda.function)).toMatch(/^FixtureGreetFunction[0-9A-F]{8}$/);
  });

  it("runs the task's entry with its timeout and memory (256 MB unless declared)", () => {
    const { stack } = build(greet);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: greet.description,
      Timeout: greet.timeoutSeconds,
      MemorySize: 256,
    });
    Template.fromStack(build(notify).stack).hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
    });
  });

  it('grants a reading task item reads only, and no email, no callbacks, no sender address', () => {
    const { actions, resources, lambda } = build(greet);
    expect(actions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(resources[logicalId(lambda.function)]!.Properties.Environment).toEqual({
      Variables: { TABLE_NAME: 't' },
    });
  });

  it('grants writes, sending from the sender address and answering the given state machines when declared', () => {
    const { actions, statements, resources, lambda } = build(notify);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'ses:SendEmail',
        'ses:SendRawEmail',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
      ]),
    );
    const ses = statements.find((s) => asList(s.Action).includes('ses:SendEmail'))!;
    expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alumni@newtheatre.example' } });
    const callbacks = statements.find((s) => asList(s.Action).includes('states:SendTaskSuccess'))!;
    expect(callbacks.Resource).toBe('arn:aws:states:eu-west-2:1:stateMachine:m');
    expect(resources[logicalId(lambda.function)]!.Properties.Environment).toEqual({
      Variables: { TABLE_NAME: 't', EMAIL_SENDER: 'alumni@newtheatre.example' },
    });
  });

  it('grants no callbacks when there is no state machine', () => {
    expect(build(notify, []).actions.filter((a) => a.startsWith('states:'))).toEqual([]);
  });
});
