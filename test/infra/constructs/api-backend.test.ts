import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { stateMachineArnVariable } from '../../../core/config.js';
import { ApiBackend } from '../../../infra/constructs/api-backend.js';
import { AppTable } from '../../../infra/constructs/app-table.js';
import { EmailSending } from '../../../infra/constructs/email-sending.js';
import { NotificationsKey } from '../../../infra/constructs/notifications-key.js';
import { stateMachineNameFor, Workflow, workflowId } from '../../../infra/constructs/workflow.js';
import { fixtureTasks } from '../../fixtures/tasks/fixture-tasks.js';
import {
  asList,
  constructTestStack,
  fixtureWorkflows,
  logicalId,
  resourcesOf,
  roleStatements,
  type Statement,
} from '../support.js';

function build(withWorkflows = true) {
  const stack = constructTestStack({ env: { account: '123456789012', region: 'eu-west-2' } });
  const table = new AppTable(stack, 'AppTable');
  const email = new EmailSending(stack, 'Email', {
    senderEmail: 'alumni@newtheatre.example',
    encryptionKey: new NotificationsKey(stack, 'Key'),
  });
  const functions = new Map<string, IFunction>(
    fixtureTasks.map((task) => [
      task.name,
      new LambdaFunction(stack, `${task.name}-fn`, {
        runtime: Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: Code.fromInline('exports.handler = async () => ({});'),
      }),
    ]),
  );
  const eventBus = new EventBus(stack, 'Bus');
  const workflows = new Map(
    (withWorkflows ? fixtureWorkflows : []).map((workflow) => [
      workflow.name,
      new Workflow(stack, workflowId(workflow), {
        workflow,
        stateMachineName: stateMachineNameFor(stack, workflow.name),
        tasks: fixtureTasks,
        functions,
        eventBus,
        logRetention: RetentionDays.ONE_MONTH,
      }),
    ]),
  );
  const backend = new ApiBackend(stack, 'ApiBackend', {
    environment: { TABLE_NAME: 't' },
    logRetention: RetentionDays.ONE_MONTH,
    table,
    email,
    workflows,
  });
  const resources = resourcesOf(stack);
  return {
    stack,
    backend,
    workflows,
    resources,
    statements: roleStatements(resources, logicalId(backend.function.role)),
  };
}

const resourcesFor = (statements: Statement[], action: string) =>
  statements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource));
const joined = (value: unknown) => JSON.stringify(value);

describe('ApiBackend', () => {
  it('runs api/lambda.ts with the settings, the sender, the secret by ARN and every workflow ARN', () => {
    const { backend, workflows, resources } = build();
    const fn = resources[logicalId(backend.function.function)]!;
    expect(fn.Properties).toMatchObject({
      Description: 'Lumina HTTP API (Hono)',
      Timeout: 29,
      MemorySize: 1024,
    });
    const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toEqual({
      TABLE_NAME: 't',
      EMAIL_SENDER: 'alumni@newtheatre.example',
      SESSION_SIGNING_KEY_SECRET_ARN: { Ref: logicalId(backend.signingKeySecret) },
      ...Object.fromEntries(
        [...workflows].map(([name, w]) => [
          stateMachineArnVariable(name),
          { Ref: logicalId(w.stateMachine) },
        ]),
      ),
    });
  });

  it('may read and write items, send as the sender, and read its one secret', () => {
    const { statements, backend } = build();
    const dynamo = statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('dynamodb:'));
    expect(dynamo).toHaveLength(8);
    expect(statements.find((s) => asList(s.Action).includes('ses:SendEmail'))!.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': 'alumni@newtheatre.example' },
    });
    expect(resourcesFor(statements, 'secretsmanager:GetSecretValue')).toEqual([
      { Ref: logicalId(backend.signingKeySecret) },
    ]);
  });

  it('may start, answer, describe and stop only the executions of its workflows', () => {
    const { statements } = build();
    for (const action of ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure']) {
      expect(resourcesFor(statements, action).map(joined)).toEqual([
        expect.stringContaining(':stateMachine:Test-fixture-events'),
        expect.stringContaining(':stateMachine:Test-fixture-review'),
      ]);
    }
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(resourcesFor(statements, action).map(joined)).toEqual([
        expect.stringContaining(':execution:Test-fixture-events:*'),
        expect.stringContaining(':execution:Test-fixture-review:*'),
      ]);
    }
    expect(resourcesFor(statements, 'states:ListStateMachines')).toEqual(['*']);
  });

  it('grants no state machine actions but the /health probe when there is no workflow', () => {
    const { statements } = build(false);
    const states = statements.flatMap((s) => asList(s.Action)).filter((a) => a.startsWith('states:'));
    expect(states).toEqual(['states:ListStateMachines']);
  });

  it('keeps the stack-level ids and outputs the secret ARN', () => {
    const { stack, backend } = build();
    expect(logicalId(backend.function.function)).toBe('ApiFunctionCE271BD4');
    expect(logicalId(backend.function.role)).toBe('ApiFunctionRoleF04A0202');
    expect(logicalId(backend.function.logGroup)).toBe('ApiFunctionLogs0D7A2434');
    expect(logicalId(backend.signingKeySecret)).toBe('SessionSigningKeyD9F3A312');
    expect(Template.fromStack(stack).toJSON().Outputs).toHaveProperty('SessionSigningKeySecretArn');
  });
});
