import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { appTable } from '../../core/table.js';
import { LuminaStack, type LuminaStackProps } from '../../infra/stack.js';
import { applySubstitutions, listWorkflows, repoRoot, type WorkflowFile } from '../../infra/workflows.js';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../../tasks/registry.js';
import { fixtureTasks } from '../fixtures/tasks/fixture-tasks.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const fixtureWorkflows = listWorkflows(join(repoRoot, 'test/fixtures')).filter(
  (w) => w.name === 'fixture-review',
);

/**
 * Actions that may be granted on `*` because AWS offers no narrower resource for them: X-Ray trace upload and
 * sampling (no resource-level permissions), and the CloudWatch Logs delivery actions Step Functions logging needs
 * (AWS documents them as `*` only).
 */
const starResourceActions = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
]);

interface Synthesised {
  stack: LuminaStack;
  resources: Record<string, Resource>;
  template: Template;
}

function synth(props: Partial<LuminaStackProps> = {}): Synthesised {
  const stack = new LuminaStack(new App(), 'Lumina', {
    senderEmail: 'alumni@newtheatre.example',
    siteUrl: 'https://alumni.newtheatre.example',
    taskCode: 'placeholder',
    ...props,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function functionLogicalId(stack: LuminaStack, task: TaskFunction): string {
  const fn = stack.taskFunctions.get(task.name);
  if (!fn) throw new Error(`no function for ${task.name}`);
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction);
}

function statements(resources: Record<string, Resource>): Statement[] {
  return ofType(resources, 'AWS::IAM::Policy').flatMap(
    ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Every invariant of the stack, for whatever workflows and tasks it was built from. */
function expectStackInvariants(
  { stack, resources, template }: Synthesised,
  workflows: readonly WorkflowFile[],
  tasks: readonly TaskFunction[],
) {
  // The table is exactly the shared definition.
  const tables = ofType(resources, 'AWS::DynamoDB::GlobalTable');
  expect(tables).toHaveLength(1);
  const table = tables[0]![1];
  expect(table.DeletionPolicy).toBe('Retain');
  expect(table.Properties.KeySchema).toEqual([
    { AttributeName: appTable.partitionKey.name, KeyType: 'HASH' },
    { AttributeName: appTable.sortKey.name, KeyType: 'RANGE' },
  ]);
  expect(table.Properties.GlobalSecondaryIndexes).toEqual(
    appTable.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  );
  const keys = [
    appTable.partitionKey,
    appTable.sortKey,
    ...appTable.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  expect(table.Properties.AttributeDefinitions).toEqual(
    keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
  );
  expect(table.Properties.TimeToLiveSpecification).toEqual({
    AttributeName: appTable.timeToLiveAttribute,
    Enabled: true,
  });
  expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
  expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true });
  expect(table.Properties.Replicas).toEqual([
    expect.objectContaining({
      DeletionProtectionEnabled: true,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  ]);

  // One Node 22 ARM function per task, and no other function.
  const functions = ofType(resources, 'AWS::Lambda::Function');
  expect(functions.map(([id]) => id).sort()).toEqual(
    tasks.map((task) => functionLogicalId(stack, task)).sort(),
  );
  for (const task of tasks) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: task.description,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: task.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { TABLE_NAME: { Ref: tables[0]![0] } } },
    });
  }

  // One STANDARD, logged, traced state machine per workflow, carrying the file's text.
  const machines = ofType(resources, 'AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(workflows.length);
  const referenced = new Set<string>();
  for (const workflow of workflows) {
    const found = machines.find(([, m]) => m.Properties.StateMachineName === `Lumina-${workflow.name}`);
    expect(found, `state machine for ${workflow.name}`).toBeDefined();
    const [logicalId, machine] = found!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
    expect(machine.Properties.LoggingConfiguration).toHaveProperty('Destinations.0.CloudWatchLogsLogGroup');

    // Resolve the template's substitutions to the function each points at; the result must equal the file with
    // each task's placeholder replaced by that task's function, and leave no placeholder behind.
    const templateSubstitutions = (machine.Properties.DefinitionSubstitutions ?? {}) as Record<
      string,
      { 'Fn::GetAtt': [string, string] }
    >;
    const resolved = Object.fromEntries(
      Object.entries(templateSubstitutions).map(([key, value]) => {
        expect(value['Fn::GetAtt'][1]).toBe('Arn');
        referenced.add(value['Fn::GetAtt'][0]);
        return [key, `function:${value['Fn::GetAtt'][0]}`];
      }),
    );
    const expected = Object.fromEntries(
      tasks.map((task) => [functionArnSubstitution(task.name), `function:${functionLogicalId(stack, task)}`]),
    );
    expect(typeof machine.Properties.DefinitionString).toBe('string');
    const deployed = applySubstitutions(machine.Properties.DefinitionString as string, resolved);
    expect(deployed).toBe(applySubstitutions(workflow.definitionText, expected));
    expect(() => JSON.parse(deployed) as unknown).not.toThrow();

    // Its role may invoke exactly the functions the definition references.
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const roleStatements = ofType(resources, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    const invoked = roleStatements
      .filter((s) => asList(s.Action).some((a) => a.startsWith('lambda:')))
      .flatMap((s) => {
        expect(asList(s.Action)).toEqual(['lambda:InvokeFunction']);
        return asList(s.Resource as string[]).map(
          (r) => (r as unknown as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0],
        );
      });
    expect(invoked.sort()).toEqual(
      Object.values(templateSubstitutions)
        .map((v) => v['Fn::GetAtt'][0])
        .sort(),
    );
    expect(logicalId).toBeTruthy();
  }

  // Every deployed function is used by some workflow.
  for (const [id] of functions) expect(referenced, `function ${id} referenced by a workflow`).toContain(id);

  // No wildcard actions; wildcard resources only for the listed actions.
  for (const statement of statements(resources)) {
    for (const action of asList(statement.Action)) {
      expect(action, 'IAM action without a wildcard').not.toContain('*');
    }
    if (statement.Resource === '*') {
      for (const action of asList(statement.Action)) expect(starResourceActions).toContain(action);
    }
  }
}

describe('the stack as deployed (statemachines/ and the task registry)', () => {
  const synthesised = synth();

  it('derives the table, functions and state machines from the shared definitions', () => {
    expectStackInvariants(synthesised, listWorkflows(), taskFunctions);
  });

  it('deploys one function per registry entry and one state machine per ASL file', () => {
    synthesised.template.resourceCountIs('AWS::Lambda::Function', taskFunctions.length);
    synthesised.template.resourceCountIs('AWS::StepFunctions::StateMachine', listWorkflows().length);
  });
});

describe('the stack with injected fixture workflows and tasks', () => {
  const synthesised = synth({ workflows: fixtureWorkflows, tasks: fixtureTasks });

  it('uses the fixture workflow', () => {
    expect(fixtureWorkflows).toHaveLength(1);
  });

  it('holds every invariant', () => {
    expectStackInvariants(synthesised, fixtureWorkflows, fixtureTasks);
  });

  it('grants each task exactly its declared access', () => {
    const { stack, resources } = synthesised;
    const policyOf = (taskName: string) => {
      const task = fixtureTasks.find((t) => t.name === taskName)!;
      const fnId = functionLogicalId(stack, task);
      const roleId = (resources[fnId]!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      return ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    };
    const actionsOf = (list: Statement[]) => list.flatMap((s) => asList(s.Action)).sort();

    const greet = policyOf('fixture-greet');
    expect(actionsOf(greet)).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );

    const notify = policyOf('fixture-notify');
    expect(actionsOf(notify)).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'ses:SendEmail',
        'ses:SendRawEmail',
        'states:SendTaskSuccess',
        'states:SendTaskFailure',
        'states:SendTaskHeartbeat',
      ]),
    );
    const ses = notify.find((s) => asList(s.Action).includes('ses:SendEmail'))!;
    expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'alumni@newtheatre.example' } });
    expect(JSON.stringify(ses.Resource)).toContain(':identity/alumni@newtheatre.example');
    expect(JSON.stringify(ses.Resource)).toContain(':identity/newtheatre.example"');
    const callbacks = notify.find((s) => asList(s.Action).includes('states:SendTaskSuccess'))!;
    expect(JSON.stringify(callbacks.Resource)).toContain(':stateMachine:Lumina-fixture-review');

    const email = resources[functionLogicalId(stack, fixtureTasks[1]!)]!.Properties.Environment;
    expect(email).toMatchObject({ Variables: { EMAIL_SENDER: 'alumni@newtheatre.example' } });
    const noEmail = resources[functionLogicalId(stack, fixtureTasks[0]!)]!.Properties.Environment;
    expect(noEmail).not.toHaveProperty('Variables.EMAIL_SENDER');
  });

  it('fails the synth on a placeholder no task provides', () => {
    const broken: WorkflowFile = {
      ...fixtureWorkflows[0]!,
      definitionText: fixtureWorkflows[0]!.definitionText.replace(
        'FixtureGreetFunctionArn',
        'MissingFunctionArn',
      ),
    };
    expect(() => synth({ workflows: [broken], tasks: fixtureTasks })).toThrow(/\$\{MissingFunctionArn\}/);
  });
});

describe('bundling', () => {
  it('bundles the fixture tasks with esbuild into ESM Node 22 assets', () => {
    const started = performance.now();
    const { resources, stack } = synth({
      workflows: fixtureWorkflows,
      tasks: fixtureTasks,
      taskCode: 'bundle',
    });
    const elapsed = performance.now() - started;
    for (const task of fixtureTasks) {
      const fn = resources[functionLogicalId(stack, task)]!;
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Code).toHaveProperty('S3Key');
    }
    // Two tiny handlers; if this grows, keep `taskCode: 'placeholder'` in the other tests.
    expect(elapsed).toBeLessThan(15_000);
  }, 30_000);
});
