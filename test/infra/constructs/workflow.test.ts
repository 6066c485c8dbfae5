import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction, Runtime, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import {
  executionArnPattern,
  stateMachineArnFor,
  stateMachineNameFor,
  Workflow,
  workflowId,
} from '../../../infra/constructs/workflow.js';
import { applySubstitutions, type WorkflowFile } from '../../../infra/workflows.js';
import { fixtureTasks } from '../../fixtures/tasks/fixture-tasks.js';
import {
  asList,
  constructTestStack,
  fixtureWorkflows,
  logicalId,
  resourcesOf,
  roleStatements,
  type Resource,
} from '../support.js';

const review = fixtureWorkflows.find((w) => w.name === 'fixture-review')!;
const events = fixtureWorkflows.find((w) => w.name === 'fixture-events')!;

function build(workflow: WorkflowFile, stack: Stack = constructTestStack()) {
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
  const construct = new Workflow(stack, workflowId(workflow), {
    workflow,
    stateMachineName: stateMachineNameFor(stack, workflow.name),
    tasks: fixtureTasks,
    functions,
    eventBus,
    logRetention: RetentionDays.ONE_MONTH,
  });
  const resources = resourcesOf(stack);
  const machine = resources[logicalId(construct.stateMachine)]!;
  const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return {
    stack,
    construct,
    functions,
    eventBus,
    resources,
    machine,
    statements: roleStatements(resources, roleId),
  };
}

const getAtt = (resource: unknown) => (resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];

describe('Workflow', () => {
  it('is a logged, traced Standard state machine named <stack>-<workflow>, carrying the file as written', () => {
    const { machine, resources, construct } = build(review);
    expect(machine.Properties).toMatchObject({
      StateMachineName: 'Test-fixture-review',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      DefinitionString: review.definitionText,
    });
    const logs: Resource = resources[logicalId(construct.logGroup)]!;
    expect(logs.Properties).toEqual({
      LogGroupName: '/aws/vendedlogs/states/Test-fixture-review',
      RetentionInDays: 30,
    });
  });

  it('substitutes exactly the placeholders the file uses, and may invoke exactly those functions', () => {
    const { machine, functions, statements } = build(review);
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    expect(Object.keys(substitutions).sort()).toEqual([
      'FixtureGreetFunctionArn',
      'FixtureNotifyFunctionArn',
    ]);
    const resolved = Object.fromEntries(
      Object.entries(substitutions).map(([key, value]) => [key, getAtt(value)[0]]),
    );
    expect(resolved).toEqual({
      FixtureGreetFunctionArn: logicalId(functions.get('fixture-greet')!),
      FixtureNotifyFunctionArn: logicalId(functions.get('fixture-notify')!),
    });
    expect(() => JSON.parse(applySubstitutions(review.definitionText, resolved)) as unknown).not.toThrow();
    const invoke = statements.filter((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(
      invoke
        .flatMap((s) => asList(s.Resource))
        .map((r) => getAtt(r)[0])
        .sort(),
    ).toEqual(Object.values(resolved).sort());
    expect(statements.filter((s) => asList(s.Action).some((a) => a.startsWith('events:')))).toEqual([]);
  });

  it("puts events on the app's bus, and may, only when the file uses ${EventBusName}", () => {
    const { machine, eventBus, statements } = build(events);
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      EventBusName: { Ref: logicalId(eventBus) },
    });
    expect(statements.filter((s) => asList(s.Action).some((a) => a.startsWith('events:')))).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [logicalId(eventBus), 'Arn'] },
      },
    ]);
    expect(statements.filter((s) => asList(s.Action).includes('lambda:InvokeFunction'))).toEqual([]);
  });

  it('keeps the stack-level ids <Id>StateMachine, <Id>Logs and the output <Id>StateMachineArn', () => {
    const { stack, construct, resources } = build(review);
    expect(workflowId(review)).toBe('FixtureReview');
    expect(logicalId(construct.stateMachine)).toMatch(/^FixtureReviewStateMachine[0-9A-F]{8}$/);
    expect(logicalId(construct.logGroup)).toMatch(/^FixtureReviewLogs[0-9A-F]{8}$/);
    expect(Object.keys(resources)).toContainEqual(
      expect.stringMatching(/^FixtureReviewStateMachineRole[0-9A-F]{8}$/),
    );
    expect(Object.keys(Template.fromStack(stack).toJSON().Outputs as object)).toEqual([
      'FixtureReviewStateMachineArn',
    ]);
  });

  it('fails the synth on a placeholder no task provides, naming the file', () => {
    const broken = {
      ...review,
      definitionText: review.definitionText.replace('FixtureGreetFunctionArn', 'Missing'),
    };
    expect(() => build(broken)).toThrow(/fixture-review\.asl\.json: .*\$\{Missing\}/);
  });

  it('names state machines and their executions by ARN, and refuses names over 80 characters', () => {
    const stack = constructTestStack({ env: { account: '123456789012', region: 'eu-west-2' } });
    expect(stack.resolve(stateMachineArnFor(stack, 'Test-x'))).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-2:123456789012:stateMachine:Test-x'],
      ],
    });
    expect(stack.resolve(executionArnPattern(stack, 'Test-x'))).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-2:123456789012:execution:Test-x:*'],
      ],
    });
    expect(() => stateMachineNameFor(stack, 'x'.repeat(80))).toThrow(/longer than 80/);
  });
});
