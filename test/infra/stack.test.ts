import { describe, expect, it } from 'vitest';
import { stateMachineArnVariable } from '../../core/config.js';
import { appTable } from '../../core/table.js';
import { corsPolicy, localAllowedOrigins, parseOrigins } from '../../core/cors.js';
import { acknowledge, nagAcknowledgments, nagViolations } from '../../infra/nag.js';
import {
  workflowSettingDefaults,
  workflowSettingVariables,
  type WorkflowSettingName,
} from '../../infra/settings.js';
import { LuminaStack } from '../../infra/stack.js';
import {
  applySubstitutions,
  eventBusSubstitution,
  listWorkflows,
  type WorkflowFile,
} from '../../infra/workflows.js';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../../tasks/registry.js';
import { fixtureTasks } from '../fixtures/tasks/fixture-tasks.js';
import {
  asList,
  assertionApp,
  baseProps,
  fixtureWorkflows,
  logicalId,
  ofType,
  roleStatements,
  synth,
  type Resource,
  type Statement,
  type Synthesised,
} from './support.js';

const reviewFixture = fixtureWorkflows.find((w) => w.name === 'fixture-review')!;

const usesEventBus = (workflow: WorkflowFile) =>
  workflow.definitionText.includes(`\${${eventBusSubstitution}}`);

/**
 * The only actions an identity policy may grant on `*`, each because AWS offers no narrower resource for it.
 */
const starResourceActions = new Map([
  ['xray:PutTraceSegments', 'X-Ray has no resource-level permissions (Lambda and state machine tracing)'],
  ['xray:PutTelemetryRecords', 'X-Ray has no resource-level permissions'],
  ['xray:GetSamplingRules', 'X-Ray has no resource-level permissions (state machine tracing)'],
  ['xray:GetSamplingTargets', 'X-Ray has no resource-level permissions'],
  ['logs:CreateLogDelivery', 'Step Functions logging: AWS documents the log delivery actions as `*` only'],
  ['logs:GetLogDelivery', 'Step Functions logging (as above)'],
  ['logs:UpdateLogDelivery', 'Step Functions logging (as above)'],
  ['logs:DeleteLogDelivery', 'Step Functions logging (as above)'],
  ['logs:ListLogDeliveries', 'Step Functions logging (as above)'],
  ['logs:PutResourcePolicy', 'Step Functions logging (as above)'],
  ['logs:DescribeResourcePolicies', 'Step Functions logging (as above)'],
  ['logs:DescribeLogGroups', 'Step Functions logging (as above)'],
  ['states:ListStateMachines', 'the API /health probe of Step Functions; a List action has no resource type'],
]);

function functionLogicalId(stack: LuminaStack, task: TaskFunction): string {
  const fn = stack.taskFunctions.get(task.name);
  if (!fn) throw new Error(`no function for ${task.name}`);
  return logicalId(fn);
}

/** Every statement of every identity policy (attached policies, managed policies and role inline policies). */
function identityStatements(resources: Record<string, Resource>): Statement[] {
  const documents = [
    ...ofType(resources, 'AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument),
    ...ofType(resources, 'AWS::IAM::ManagedPolicy').map(([, p]) => p.Properties.PolicyDocument),
    ...ofType(resources, 'AWS::IAM::Role').flatMap(([, r]) =>
      ((r.Properties.Policies ?? []) as { PolicyDocument: unknown }[]).map((p) => p.PolicyDocument),
    ),
  ] as { Statement: Statement[] }[];
  return documents.flatMap((document) => document.Statement);
}

function roleOfFunction(resources: Record<string, Resource>, functionId: string): string {
  return (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
}

/** A CloudFormation value as text, references as `<Ref>` / `<Id.Attr>`, to assert on ARNs built with Fn::Join. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(' ');
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    if (Array.isArray(object['Fn::GetAtt'])) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
    const join = object['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

/** Every invariant of the stack, for whatever workflows and tasks it was built from. */
function expectStackInvariants(
  { stack, resources, template }: Synthesised,
  workflows: readonly WorkflowFile[],
  tasks: readonly TaskFunction[],
) {
  // The table is exactly the shared definition: on-demand, PITR, deletion protection, TTL, encryption, retained.
  const tables = ofType(resources, 'AWS::DynamoDB::GlobalTable');
  expect(tables).toHaveLength(1);
  const [tableId, table] = tables[0]!;
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

  // One Node 22 ARM function per task plus the API, and no other function; each logs to its own retained-for-a-
  // while log group and carries the settings.
  const functions = ofType(resources, 'AWS::Lambda::Function');
  const apiId = logicalId(stack.apiFunction);
  expect(functions.map(([id]) => id).sort()).toEqual(
    [...tasks.map((task) => functionLogicalId(stack, task)), apiId].sort(),
  );
  for (const task of tasks) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: task.description,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: task.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          TABLE_NAME: { Ref: tableId },
          PUBLIC_API_URL: { 'Fn::GetAtt': [logicalId(stack.httpApi), 'ApiEndpoint'] },
          POWERTOOLS_SERVICE_NAME: 'lumina',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      },
    });
  }
  for (const [id, fn] of functions) {
    expect(fn.Properties.Runtime).toBe('nodejs22.x');
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    const logGroupId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(resources[logGroupId]!.Type, `${id} log group`).toBe('AWS::Logs::LogGroup');
    expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(30);
  }

  // One EventBridge bus for the app, named after the stack and exported by name.
  const buses = ofType(resources, 'AWS::Events::EventBus');
  expect(buses).toHaveLength(1);
  const [busId, bus] = buses[0]!;
  expect(busId).toBe(logicalId(stack.eventBus));
  expect(bus.Properties).toEqual({ Name: 'Lumina-events' });
  expect((template.toJSON().Outputs as Record<string, unknown>).EventBusName).toMatchObject({
    Value: { Ref: busId },
    Export: { Name: 'Lumina-EventBusName' },
  });
  const busArn = { 'Fn::GetAtt': [busId, 'Arn'] };

  // One STANDARD, logged, traced state machine per workflow, carrying the file's text.
  const machines = ofType(resources, 'AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(workflows.length);
  const referenced = new Set<string>();
  for (const workflow of workflows) {
    const found = machines.find(([, m]) => m.Properties.StateMachineName === `Lumina-${workflow.name}`);
    expect(found, `state machine for ${workflow.name}`).toBeDefined();
    const [, machine] = found!;
    expect(machine.Properties.StateMachineType).toBe('STANDARD');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: false,
    });
    expect(machine.Properties.LoggingConfiguration).toHaveProperty('Destinations.0.CloudWatchLogsLogGroup');

    // Resolve the template's substitutions to the function (or the bus) each points at; the result must equal
    // the file with each task's placeholder replaced by that task's function and `${EventBusName}` by the app's
    // bus, and leave no placeholder behind.
    const { [eventBusSubstitution]: busSubstitution, ...functionSubstitutions } = (machine.Properties
      .DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    const templateSubstitutions = functionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    const publishes = usesEventBus(workflow);
    expect(busSubstitution, `${workflow.name}: \${${eventBusSubstitution}}`).toEqual(
      publishes ? { Ref: busId } : undefined,
    );
    const resolved = Object.fromEntries([
      ...Object.entries(templateSubstitutions).map(([key, value]) => {
        expect(value['Fn::GetAtt'][1]).toBe('Arn');
        referenced.add(value['Fn::GetAtt'][0]);
        return [key, `function:${value['Fn::GetAtt'][0]}`];
      }),
      ...(publishes ? [[eventBusSubstitution, `bus:${busId}`]] : []),
    ]) as Record<string, string>;
    const expected = {
      ...Object.fromEntries(
        tasks.map((task) => [
          functionArnSubstitution(task.name),
          `function:${functionLogicalId(stack, task)}`,
        ]),
      ),
      [eventBusSubstitution]: `bus:${busId}`,
    };
    expect(typeof machine.Properties.DefinitionString).toBe('string');
    const deployed = applySubstitutions(machine.Properties.DefinitionString as string, resolved);
    expect(deployed).toBe(applySubstitutions(workflow.definitionText, expected));
    expect(deployed).not.toMatch(/\$\{[^}]*\}/);
    expect(() => JSON.parse(deployed) as unknown).not.toThrow();

    // Its role may invoke exactly the functions the definition references.
    const roleId = (machine.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const invoked = roleStatements(resources, roleId)
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

    // It may put events on the app's bus, and on nothing else, exactly when the definition uses the bus.
    const putEvents = roleStatements(resources, roleId).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('events:')),
    );
    expect(putEvents, `${workflow.name} events:PutEvents`).toEqual(
      publishes ? [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }] : [],
    );
  }
  // No other policy touches EventBridge.
  expect(
    identityStatements(resources).filter((s) => asList(s.Action).some((a) => a.startsWith('events:'))),
  ).toHaveLength(workflows.filter(usesEventBus).length);

  // Every deployed task function is used by some workflow (the API function is the API's).
  for (const [id] of functions) {
    if (id !== apiId) expect(referenced, `function ${id} referenced by a workflow`).toContain(id);
  }

  // No wildcard actions; wildcard resources only for the allow-listed actions.
  for (const statement of identityStatements(resources)) {
    for (const action of asList(statement.Action)) {
      expect(action, 'IAM action without a wildcard').not.toContain('*');
    }
    if (asList(statement.Resource).includes('*')) {
      expect(statement.Resource, 'a "*" resource stands alone in its statement').toBe('*');
      for (const action of asList(statement.Action))
        expect([...starResourceActions.keys()]).toContain(action);
    }
  }
  // Resource policies: the only `*` action is the KMS key's standard statement giving the account (IAM) control.
  for (const [type, property] of [
    ['AWS::KMS::Key', 'KeyPolicy'],
    ['AWS::SNS::TopicPolicy', 'PolicyDocument'],
  ] as const) {
    for (const [, resource] of ofType(resources, type)) {
      for (const statement of (resource.Properties[property] as { Statement: Statement[] }).Statement) {
        const isAccountRoot = render((statement.Principal as { AWS?: unknown }).AWS ?? '').endsWith(':root');
        if (!(type === 'AWS::KMS::Key' && isAccountRoot)) {
          for (const action of asList(statement.Action)) expect(action).not.toContain('*');
        }
      }
    }
  }
}

describe('the stack as deployed (statemachines/ and the task registry)', () => {
  const synthesised = synth();
  const { stack, resources } = synthesised;

  it('derives the table, functions and state machines from the shared definitions', () => {
    expectStackInvariants(synthesised, listWorkflows(), taskFunctions);
  });

  it('deploys one function per registry entry plus the API, and one state machine per ASL file', () => {
    synthesised.template.resourceCountIs('AWS::Lambda::Function', taskFunctions.length + 1);
    synthesised.template.resourceCountIs('AWS::StepFunctions::StateMachine', listWorkflows().length);
  });

  it('substitutes every ${...} of every ASL file', () => {
    for (const workflow of listWorkflows()) {
      const machine = stack.stateMachines.get(workflow.name)!;
      const substitutions = resources[logicalId(machine)]!.Properties.DefinitionSubstitutions ?? {};
      const placeholders = [...workflow.definitionText.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
      for (const key of placeholders)
        expect(substitutions, `${workflow.file}: \${${key}}`).toHaveProperty([key!]);
    }
  });

  it('gives the API its settings, every workflow ARN and the signing key secret (by ARN, never the value)', () => {
    const api = resources[logicalId(stack.apiFunction)]!;
    const variables = (api.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toMatchObject({
      TABLE_NAME: { Ref: logicalId(stack.table) },
      SITE_URL: baseProps.siteUrl,
      EMAIL_SENDER: baseProps.senderEmail,
      SESSION_SIGNING_KEY_SECRET_ARN: { Ref: logicalId(stack.signingKeySecret) },
    });
    expect(variables).not.toHaveProperty('SESSION_SIGNING_KEY');
    for (const [name, machine] of stack.stateMachines) {
      expect(variables[stateMachineArnVariable(name)]).toEqual({ Ref: logicalId(machine) });
    }
    for (const [name, value] of Object.entries(workflowSettingDefaults())) {
      expect(variables[workflowSettingVariables[name as WorkflowSettingName]]).toBe(value);
    }
  });

  it("lets the API read and write the table's items and nothing more: its /health probe is a GetItem", () => {
    const statements = roleStatements(resources, logicalId(stack.apiRole));
    const tableActions = statements
      .flatMap((s) => asList(s.Action))
      .filter((action) => action.startsWith('dynamodb:'))
      .sort();
    expect(tableActions).toEqual(
      [
        'dynamodb:BatchGetItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ].sort(),
    );
  });

  it('lets the API start, describe and answer only our state machines', () => {
    const statements = roleStatements(resources, logicalId(stack.apiRole));
    const ours = [...stack.stateMachines.keys()].map((name) => `:stateMachine:Lumina-${name}`).sort();
    const oursExecutions = [...stack.stateMachines.keys()]
      .map((name) => `:execution:Lumina-${name}:*`)
      .sort();
    const stateActions = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('states:')));
    const resourcesOf = (action: string) =>
      stateActions
        .filter((s) => asList(s.Action).includes(action))
        .flatMap((s) => asList(s.Resource).map(render))
        .map((arn) => /:(stateMachine|execution):.*$/.exec(arn)?.[0] ?? arn)
        .sort();
    for (const action of ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure']) {
      expect(resourcesOf(action), action).toEqual(ours);
    }
    expect(resourcesOf('states:DescribeExecution')).toEqual(oursExecutions);
    expect(resourcesOf('states:StopExecution')).toEqual(oursExecutions);
    expect(stateActions.flatMap((s) => asList(s.Action)).sort()).toEqual(
      [
        'states:DescribeExecution',
        'states:ListStateMachines',
        'states:SendTaskFailure',
        'states:SendTaskSuccess',
        'states:StartExecution',
        'states:StopExecution',
      ].sort(),
    );
    // Reading the signing key: that one secret only.
    const secretReads = statements.filter((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
    expect(secretReads.map((s) => s.Resource)).toEqual([{ Ref: logicalId(stack.signingKeySecret) }]);
  });

  it('sends email only from the configured address, through the configuration set', () => {
    const senders = identityStatements(resources).filter((s) =>
      asList(s.Action).some((a) => a.startsWith('ses:')),
    );
    // The API (login links) and every task that declares sendEmail.
    expect(senders.length).toBe(taskFunctions.filter((t) => t.access.sendEmail).length + 1);
    for (const statement of senders) {
      expect(statement.Condition).toEqual({ StringEquals: { 'ses:FromAddress': baseProps.senderEmail } });
      expect(asList(statement.Resource).map(render).join(' ')).toContain(':configuration-set/');
      expect(asList(statement.Resource)).not.toContain('*');
    }
  });

  it('is clean under cdk-nag AwsSolutions, with a reason for every acknowledged finding', () => {
    const checked = new LuminaStack(assertionApp(), 'Lumina', baseProps);
    const acknowledgments = nagAcknowledgments(checked);
    // Without acknowledgments the findings are exactly the acknowledged ones (none stale, none missing)...
    const findings = nagViolations(checked).flatMap((v) =>
      v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`),
    );
    const covers = (finding: string) =>
      acknowledgments.some(
        ({ scope, id }) =>
          finding.startsWith(`${id} @ `) && finding.slice(id.length + 3).startsWith(`${scope.node.path}/`),
      );
    expect(findings.filter((f) => !covers(f))).toEqual([]);
    for (const { scope, id } of acknowledgments) {
      expect(
        findings.some((f) => f.startsWith(`${id} @ ${scope.node.path}/`)),
        `${id} on ${scope.node.path} is used`,
      ).toBe(true);
    }
    for (const { reason } of acknowledgments) expect(reason.length).toBeGreaterThan(60);
    // ...and with them, nothing is left.
    acknowledge(checked);
    expect(nagViolations(checked)).toEqual([]);
  });
});

describe('cdk-nag with an account and region (as under `cdk deploy`)', () => {
  it('acknowledges the same findings when ARNs carry a literal account and region', () => {
    const checked = new LuminaStack(assertionApp(), 'Alumni', {
      ...baseProps,
      env: { account: '123456789012', region: 'eu-west-2' },
    });
    acknowledge(checked);
    expect(nagViolations(checked)).toEqual([]);
  });
});

describe('the stack with injected fixture workflows and tasks', () => {
  const synthesised = synth({ workflows: fixtureWorkflows, tasks: fixtureTasks });

  it('uses the fixture workflows, one of them publishing to the bus', () => {
    expect(fixtureWorkflows.map((w) => w.name)).toEqual(['fixture-events', 'fixture-review']);
  });

  it('holds every invariant', () => {
    expectStackInvariants(synthesised, fixtureWorkflows, fixtureTasks);
  });

  it("lets only the workflow that publishes put events, on the app's bus, whose name it is given", () => {
    const { stack, resources } = synthesised;
    const busId = logicalId(stack.eventBus);
    const machineOf = (name: string) => resources[logicalId(stack.stateMachines.get(name)!)]!;
    const putEventsOf = (name: string) => {
      const roleId = (machineOf(name).Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      return roleStatements(resources, roleId)
        .filter((s) => asList(s.Action).includes('events:PutEvents'))
        .map((s) => s.Resource);
    };
    expect(putEventsOf('fixture-events')).toEqual([{ 'Fn::GetAtt': [busId, 'Arn'] }]);
    expect(putEventsOf('fixture-review')).toEqual([]);
    expect(machineOf('fixture-events').Properties.DefinitionSubstitutions).toEqual({
      [eventBusSubstitution]: { Ref: busId },
    });
    expect(machineOf('fixture-review').Properties.DefinitionSubstitutions).not.toHaveProperty(
      eventBusSubstitution,
    );
  });

  it('is clean under cdk-nag with a workflow that publishes events', () => {
    const checked = new LuminaStack(assertionApp(), 'Lumina', {
      ...baseProps,
      workflows: fixtureWorkflows,
      tasks: fixtureTasks,
    });
    acknowledge(checked);
    expect(nagViolations(checked)).toEqual([]);
  });

  it('grants each task exactly its declared access', () => {
    const { stack, resources } = synthesised;
    const policyOf = (taskName: string) => {
      const task = fixtureTasks.find((t) => t.name === taskName)!;
      return roleStatements(resources, roleOfFunction(resources, functionLogicalId(stack, task)));
    };
    const actionsOf = (list: Statement[]) => list.flatMap((s) => asList(s.Action)).sort();

    const greet = policyOf('fixture-greet');
    expect(actionsOf(greet)).toEqual(
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
    // The table and each index by name: no `index/*`.
    const tableStatement = greet.find((s) => asList(s.Action).includes('dynamodb:GetItem'))!;
    expect(asList(tableStatement.Resource).map(render)).toEqual([
      `<${logicalId(stack.table)}.Arn>`,
      ...appTable.globalSecondaryIndexes.map((i) => `<${logicalId(stack.table)}.Arn>/index/${i.indexName}`),
    ]);
    // Logs: its own log group only.
    const logs = greet.find((s) => asList(s.Action).includes('logs:PutLogEvents'))!;
    expect(render(logs.Resource)).toMatch(/^<FixtureGreetFunctionLogs[0-9A-F]+\.Arn>$/);

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

  it('puts the API behind API Gateway with CORS, throttling and access logs without query strings', () => {
    const { resources, stack } = synthesised;
    const [, api] = ofType(resources, 'AWS::ApiGatewayV2::Api')[0]!;
    // The policy npm start's middleware applies (core/cors.ts); no credentials: the API takes Bearer tokens.
    expect(api.Properties.CorsConfiguration).toEqual({
      AllowOrigins: ['https://alumni.newtheatre.example'],
      AllowMethods: [...corsPolicy.allowMethods],
      AllowHeaders: ['authorization', 'content-type'],
      ExposeHeaders: [...corsPolicy.exposeHeaders],
      MaxAge: corsPolicy.maxAgeSeconds,
    });
    const [, stage] = ofType(resources, 'AWS::ApiGatewayV2::Stage')[0]!;
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    const access = stage.Properties.AccessLogSettings as { Format: string; DestinationArn: unknown };
    const fields = Object.values(JSON.parse(access.Format) as Record<string, string>);
    expect(fields).toContain('$context.path');
    for (const field of fields) expect(field).not.toMatch(/query|querystring|header|body|authorizer/i);
    const logGroupId = (access.DestinationArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(30);
    // One route, $default, to the API function.
    const routes = ofType(resources, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties.RouteKey)).toEqual(['$default']);
    const [, integration] = ofType(resources, 'AWS::ApiGatewayV2::Integration')[0]!;
    expect(integration.Properties.IntegrationUri).toEqual({
      'Fn::GetAtt': [logicalId(stack.apiFunction), 'Arn'],
    });
    expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
  });

  it('creates the SES identity with a configuration set that reports bounces and complaints to an exported topic', () => {
    const { resources, stack, template } = synthesised;
    const [, identity] = ofType(resources, 'AWS::SES::EmailIdentity')[0]!;
    const [setId] = ofType(resources, 'AWS::SES::ConfigurationSet')[0]!;
    expect(identity.Properties).toMatchObject({
      EmailIdentity: 'alumni@newtheatre.example',
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: setId } },
    });
    const [, destination] = ofType(resources, 'AWS::SES::ConfigurationSetEventDestination')[0]!;
    expect(destination.Properties).toMatchObject({
      ConfigurationSetName: { Ref: setId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: logicalId(stack.emailFeedbackTopic) } },
      },
    });
    const outputs = template.toJSON().Outputs as Record<
      string,
      { Value: unknown; Export?: { Name: string } }
    >;
    expect(outputs.EmailFeedbackTopicArn).toMatchObject({
      Value: { Ref: logicalId(stack.emailFeedbackTopic) },
      Export: { Name: 'Lumina-EmailFeedbackTopicArn' },
    });
    // Both topics are encrypted with the key SES and CloudWatch may use, and accept only TLS.
    for (const [, topic] of ofType(resources, 'AWS::SNS::Topic')) {
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    }
  });

  it('uses an existing identity, or a domain identity, when told to', () => {
    const existing = synth({ workflows: fixtureWorkflows, tasks: fixtureTasks, sesIdentityExists: true });
    expect(ofType(existing.resources, 'AWS::SES::EmailIdentity')).toHaveLength(0);
    const domain = synth({
      workflows: fixtureWorkflows,
      tasks: fixtureTasks,
      sesIdentity: 'newtheatre.example',
    });
    expect(ofType(domain.resources, 'AWS::SES::EmailIdentity')[0]![1].Properties.EmailIdentity).toBe(
      'newtheatre.example',
    );
    expect(() => synth({ sesIdentity: 'elsewhere.example', workflows: [], tasks: [] })).toThrow(
      /sesIdentity/,
    );
  });

  it('raises alarms to the alarm topic for every workflow, every function and the API', () => {
    const { resources, stack } = synthesised;
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const topic = { Ref: logicalId(stack.alarmTopic) };
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([topic]);
    const has = (namespace: string, metric: string, dimension: unknown) =>
      alarms.some(
        (a) =>
          a.Namespace === namespace &&
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions).includes(JSON.stringify(dimension)),
      );
    for (const machine of stack.stateMachines.values()) {
      for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
        expect(has('AWS/States', metric, { Ref: logicalId(machine) }), metric).toBe(true);
      }
    }
    for (const fn of [...stack.taskFunctions.values(), stack.apiFunction]) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(has('AWS/Lambda', metric, { Ref: logicalId(fn) }), `${fn.node.id} ${metric}`).toBe(true);
      }
    }
    expect(has('AWS/ApiGateway', '5xx', { Ref: logicalId(stack.httpApi) })).toBe(true);
    expect(alarms).toHaveLength(3 * stack.stateMachines.size + 2 * (stack.taskFunctions.size + 1) + 1);
  });

  it('passes workflow settings from the props to every function, validated at synth', () => {
    const siteOriginsSetting = 'https://alumni.newtheatre.example, https://www.newtheatre.example';
    const { resources } = synth({
      workflows: fixtureWorkflows,
      tasks: fixtureTasks,
      workflowSettings: { studentEmailDomains: 'students.newtheatre.example', relaySenderDailyLimit: '2' },
      publicApiUrl: 'https://api.newtheatre.example',
      // Parsed as infra/app.ts parses the context value, by the parser npm start uses for SITE_ORIGINS.
      siteOrigins: parseOrigins(siteOriginsSetting, 'siteOrigins'),
    });
    for (const [, fn] of ofType(resources, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment).toMatchObject({
        Variables: {
          STUDENT_EMAIL_DOMAINS: 'students.newtheatre.example',
          RELAY_SENDER_DAILY_LIMIT: '2',
          RELAY_RECIPIENT_DAILY_LIMIT: workflowSettingDefaults().relayRecipientDailyLimit,
          PUBLIC_API_URL: 'https://api.newtheatre.example',
        },
      });
    }
    const [, api] = ofType(resources, 'AWS::ApiGatewayV2::Api')[0]!;
    // The same origins as npm start allows given the same setting (SITE_ORIGINS there, siteOrigins here).
    expect(api.Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: localAllowedOrigins(siteOriginsSetting, baseProps.siteUrl),
    });
    expect(localAllowedOrigins(siteOriginsSetting, baseProps.siteUrl)).toEqual([
      'https://alumni.newtheatre.example',
      'https://www.newtheatre.example',
    ]);
    expect(() =>
      synth({ workflows: [], tasks: [], workflowSettings: { verificationTimeoutSeconds: '10' } }),
    ).toThrow(/VERIFICATION_TIMEOUT_SECONDS/);
  });

  it('fails the synth on a placeholder no task provides', () => {
    const broken: WorkflowFile = {
      ...reviewFixture,
      definitionText: reviewFixture.definitionText.replace('FixtureGreetFunctionArn', 'MissingFunctionArn'),
    };
    expect(() => synth({ workflows: [broken], tasks: fixtureTasks })).toThrow(/\$\{MissingFunctionArn\}/);
  });
});
