import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isSupportedTaskResource,
  lintWorkflowDefinition,
  maxWaitSeconds,
  supportedTaskResources,
} from '../../infra/asl-lint.js';
import { applySubstitutions, listWorkflows, placeholdersIn, repoRoot } from '../../infra/workflows.js';
import { taskFunctions } from '../../tasks/registry.js';
import { fixtureTasks } from '../fixtures/tasks/fixture-tasks.js';
import { runtimeTestTasks } from '../fixtures/tasks/index.js';

/** Fixture workflows may call the registry's tasks and every fixture task (these tests' and the runtime's). */
const withFixtures = { tasks: [...taskFunctions, ...fixtureTasks, ...runtimeTestTasks] };

const files = [
  ...listWorkflows().map((workflow) => ({ workflow, opts: {} })),
  ...listWorkflows(join(repoRoot, 'test/fixtures')).map((workflow) => ({ workflow, opts: withFixtures })),
];

describe('every workflow file', () => {
  it.each(files.map(({ workflow, opts }) => [relative(repoRoot, workflow.file), workflow, opts] as const))(
    '%s passes asl-validator and the local-compatibility lint',
    (_file, workflow, opts) => {
      expect(lintWorkflowDefinition(workflow.definitionText, opts)).toEqual([]);
      // The same text parsed first gives the same answer.
      expect(lintWorkflowDefinition(JSON.parse(workflow.definitionText), opts)).toEqual([]);
    },
  );

  it('finds the files in statemachines/ (kebab-case names)', () => {
    for (const { workflow } of files) expect(workflow.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  });
});

/** A minimal valid machine around the given states, starting at the first. */
function machine(states: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { StartAt: Object.keys(states)[0], States: states, ...extra };
}

const invoke = (next: { End: true } | { Next: string } = { End: true }) => ({
  Type: 'Task',
  Resource: supportedTaskResources.lambdaInvoke,
  Parameters: { FunctionName: '${FixtureGreetFunctionArn}', 'Payload.$': '$' },
  TimeoutSeconds: 30,
  ...next,
});

const waitForToken = (extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: supportedTaskResources.lambdaInvokeWaitForTaskToken,
  Parameters: { FunctionName: '${FixtureNotifyFunctionArn}', Payload: { 'token.$': '$$.Task.Token' } },
  TimeoutSeconds: 3600,
  End: true,
  ...extra,
});

describe('accepted definitions', () => {
  it.each([
    ['lambda:invoke', machine({ Call: invoke() })],
    ['waitForTaskToken with TimeoutSeconds', machine({ Wait: waitForToken() })],
    [
      'waitForTaskToken with TimeoutSecondsPath',
      machine({ Wait: waitForToken({ TimeoutSeconds: undefined, TimeoutSecondsPath: '$.timeout' }) }),
    ],
    [
      'a direct function ARN substitution',
      machine({ Call: { Type: 'Task', Resource: '${FixtureGreetFunctionArn}', End: true } }),
    ],
    [
      'a literal ARN of a registered task',
      machine({
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:eu-west-2:123456789012:function:fixture-greet',
          End: true,
        },
      }),
    ],
    ['a one-year Wait', machine({ Pause: { Type: 'Wait', Seconds: maxWaitSeconds, End: true } })],
    ['QueryLanguage JSONPath', machine({ Done: { Type: 'Succeed' } }, { QueryLanguage: 'JSONPath' })],
  ])('%s', (_name, definition) => {
    expect(lintWorkflowDefinition(definition, withFixtures)).toEqual([]);
  });

  it('exports the supported resources for the runtime', () => {
    expect(isSupportedTaskResource('arn:aws:states:::lambda:invoke')).toBe(true);
    expect(isSupportedTaskResource('arn:aws:states:::lambda:invoke.waitForTaskToken')).toBe(true);
    expect(isSupportedTaskResource('arn:aws:lambda:us-east-1:000000000000:function:x')).toBe(true);
    expect(isSupportedTaskResource('arn:aws:states:::dynamodb:putItem')).toBe(false);
  });
});

describe('rejected constructs', () => {
  const parallel = (branchStates: Record<string, unknown>[]) => ({
    Type: 'Parallel',
    Branches: branchStates.map((states) => machine(states)),
    End: true,
  });
  const inlineMap = (states: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    Type: 'Map',
    ItemsPath: '$.items',
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...machine(states) },
    End: true,
    ...extra,
  });
  const pass = { Type: 'Pass', End: true };

  it.each([
    [
      'JSONata at the top level',
      machine({ Done: { Type: 'Succeed' } }, { QueryLanguage: 'JSONata' }),
      '$: QueryLanguage "JSONata" is not supported by the local runtime',
    ],
    [
      'JSONata on a nested state',
      machine({ Fan: parallel([{ Inner: { Type: 'Pass', QueryLanguage: 'JSONata', End: true } }]) }),
      '$.States.Fan.Branches[0].States.Inner: QueryLanguage "JSONata" is not supported',
    ],
    [
      'Assign',
      machine({ Set: { Type: 'Pass', Assign: { x: 1 }, End: true } }),
      'States.Set: variables (Assign)',
    ],
    [
      'Assign in a Catch',
      machine({
        Call: {
          ...invoke({ Next: 'Done' }),
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { x: 1 }, Next: 'Done' }],
        },
        Done: { Type: 'Succeed' },
      }),
      'States.Call.Catch[0]: variables (Assign)',
    ],
    [
      'Arguments',
      machine({ Call: { ...invoke(), Parameters: undefined, Arguments: { FunctionName: 'x' } } }),
      'Arguments is JSONata; use Parameters',
    ],
    ['Output', machine({ Set: { Type: 'Pass', Output: { a: 1 }, End: true } }), 'Output is JSONata'],
    [
      'Items (JSONata Map)',
      machine({ Each: inlineMap({ P: pass }, { Items: [1, 2] }) }),
      'Items is JSONata; use ItemsPath',
    ],
    [
      'ItemReader',
      machine({
        Each: inlineMap({ P: pass }, { ItemReader: { Resource: 'arn:aws:states:::s3:getObject' } }),
      }),
      'ItemReader (distributed Map)',
    ],
    [
      'ItemBatcher',
      machine({ Each: inlineMap({ P: pass }, { ItemBatcher: { MaxItemsPerBatch: 10 } }) }),
      'ItemBatcher (distributed Map)',
    ],
    [
      'ResultWriter',
      machine({
        Each: inlineMap({ P: pass }, { ResultWriter: { Resource: 'arn:aws:states:::s3:putObject' } }),
      }),
      'ResultWriter (distributed Map)',
    ],
    [
      'a DISTRIBUTED Map',
      machine({
        Each: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            ...machine({ P: pass }),
          },
          End: true,
        },
      }),
      'States.Each: a DISTRIBUTED Map is not supported by the local runtime',
    ],
    [
      'Credentials',
      machine({ Call: { ...invoke(), Credentials: { RoleArn: 'arn:aws:iam::123456789012:role/x' } } }),
      'Credentials (cross-account tasks)',
    ],
    [
      'waitForTaskToken without a timeout',
      machine({ Wait: waitForToken({ TimeoutSeconds: undefined }) }),
      'States.Wait: a Task waiting for a task token must set TimeoutSeconds or TimeoutSecondsPath',
    ],
    [
      'waitForTaskToken without the token',
      machine({
        Wait: waitForToken({ Parameters: { FunctionName: '${FixtureNotifyFunctionArn}', Payload: {} } }),
      }),
      'must pass $$.Task.Token in its Parameters',
    ],
    [
      'an unsupported resource',
      machine({
        Put: {
          Type: 'Task',
          Resource: 'arn:aws:states:::dynamodb:putItem',
          Parameters: { TableName: 't', Item: {} },
          End: true,
        },
      }),
      'States.Put: Task resource arn:aws:states:::dynamodb:putItem is not supported by the local runtime',
    ],
    [
      'lambda:invoke of a literal function name',
      machine({ Call: { ...invoke(), Parameters: { FunctionName: 'my-function' } } }),
      'needs Parameters.FunctionName set to ${<Task>FunctionArn} of a registered task',
    ],
    [
      'lambda:invoke of an unregistered task',
      machine({ Call: { ...invoke(), Parameters: { FunctionName: '${UnknownFunctionArn}' } } }),
      'Parameters.FunctionName ${UnknownFunctionArn} is not the ARN of a registered task',
    ],
    [
      'a direct ARN substitution of an unregistered task',
      machine({ Call: { Type: 'Task', Resource: '${UnknownFunctionArn}', End: true } }),
      'Resource ${UnknownFunctionArn} is not the ARN of a registered task',
    ],
    [
      'a literal ARN of an unregistered function',
      machine({
        Call: { Type: 'Task', Resource: 'arn:aws:lambda:eu-west-2:123456789012:function:other', End: true },
      }),
      "is not a registered task's function",
    ],
    [
      'a Wait over one year',
      machine({ Pause: { Type: 'Wait', Seconds: maxWaitSeconds + 1, End: true } }),
      'States.Pause: Wait of 31536001 s is longer than one year',
    ],
    [
      'a state name reused in a Parallel branch',
      machine({ Fan: parallel([{ Step: pass }, { Step: pass }]) }),
      'States.Fan.Branches[1].States.Step: state name "Step" is also used at States.Fan.Branches[0].States.Step',
    ],
    [
      'a state name reused inside a Map',
      {
        StartAt: 'Step',
        States: { Step: { Type: 'Pass', Next: 'Each' }, Each: inlineMap({ Step: pass }) },
      },
      'state name "Step" is also used at States.Step',
    ],
    [
      'a state name reused inside a legacy Iterator',
      {
        StartAt: 'Step',
        States: {
          Step: { Type: 'Pass', Next: 'Each' },
          Each: { Type: 'Map', ItemsPath: '$.items', Iterator: machine({ Step: pass }), End: true },
        },
      },
      'States.Each.Iterator.States.Step: state name "Step" is also used',
    ],
    [
      'invalid ASL (asl-validator)',
      machine({ Start: { Type: 'Pass', Next: 'Nowhere' } }),
      'asl-validator MISSING_TRANSITION_TARGET',
    ],
    [
      'an invalid JSONPath (asl-validator checkPaths)',
      machine({ Start: { Type: 'Pass', InputPath: 'no-dollar', End: true } }),
      'asl-validator SCHEMA_VALIDATION_FAILED',
    ],
    ['text that is not JSON', '{"StartAt": ', 'not valid JSON'],
  ])('%s', (_name, definition, expected) => {
    const problems = lintWorkflowDefinition(definition, withFixtures);
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });

  it('reports an unknown substitution anywhere in the text', () => {
    const problems = lintWorkflowDefinition(
      machine({ Set: { Type: 'Pass', Result: { url: '${SiteUrl}' }, End: true } }),
      withFixtures,
    );
    expect(problems).toEqual([expect.stringContaining('unknown substitution(s) ${SiteUrl}')]);
  });

  it('does not mutate the definition it is given', () => {
    const definition = machine({ Call: invoke() });
    const before = JSON.stringify(definition);
    lintWorkflowDefinition(definition, withFixtures);
    expect(JSON.stringify(definition)).toBe(before);
  });
});

describe('applySubstitutions', () => {
  it('replaces every placeholder and names the unresolved ones', () => {
    expect(applySubstitutions('${A}-${B}-${A}', { A: '1', B: '2' })).toBe('1-2-1');
    expect(placeholdersIn('${A} ${B} ${A}')).toEqual(['A', 'B']);
    expect(() => applySubstitutions('${A} ${Missing} ${Other}', { A: '1' })).toThrow(
      'Unresolved definition substitution(s): ${Missing}, ${Other} (known: A)',
    );
  });
});
