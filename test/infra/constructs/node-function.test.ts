import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { NodeFunction } from '../../../infra/constructs/node-function.js';
import { asList, constructTestStack, logicalId, resourcesOf, roleStatements } from '../support.js';

function build() {
  const stack = constructTestStack();
  const fn = new NodeFunction(stack, 'GreetFunction', {
    entry: 'test/fixtures/tasks/fixture-greet.ts',
    description: 'Fixture: greets',
    timeout: Duration.seconds(12),
    memoryMb: 384,
    environment: { TABLE_NAME: 'table' },
    logRetention: RetentionDays.ONE_WEEK,
  });
  return { stack, fn, resources: resourcesOf(stack) };
}

describe('NodeFunction', () => {
  it('is a traced Node 22 ARM64 function with its settings, logging to its own log group', () => {
    const { stack, fn } = build();
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Fixture: greets',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 12,
      MemorySize: 384,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { TABLE_NAME: 'table' } },
      LoggingConfig: { LogGroup: { Ref: logicalId(fn.logGroup) } },
    });
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 7 },
      DeletionPolicy: 'Delete',
    });
  });

  it('has a role that may write to its log group and upload traces, nothing else', () => {
    const { fn, resources } = build();
    const statements = roleStatements(resources, logicalId(fn.role));
    expect(statements.flatMap((s) => asList(s.Action)).sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    const logs = statements.find((s) => asList(s.Action).includes('logs:PutLogEvents'))!;
    expect(logs.Resource).toEqual({ 'Fn::GetAtt': [logicalId(fn.logGroup), 'Arn'] });
    // No managed policy (the basic execution role would allow every log group).
    expect(resources[logicalId(fn.role)]!.Properties).not.toHaveProperty('ManagedPolicyArns');
  });

  it('keeps the ids a function, its log group and its role had in the stack', () => {
    const { resources } = build();
    expect(Object.keys(resources).sort()).toEqual([
      expect.stringMatching(/^GreetFunction[0-9A-F]{8}$/),
      expect.stringMatching(/^GreetFunctionLogs[0-9A-F]{8}$/),
      expect.stringMatching(/^GreetFunctionRole[0-9A-F]{8}$/),
      expect.stringMatching(/^GreetFunctionRoleDefaultPolicy[0-9A-F]{8}$/),
    ]);
  });

  it('skips esbuild when the app bundles no stack: a placeholder asset, nothing built', () => {
    const { fn, resources } = build();
    expect(resources[logicalId(fn.function)]!.Properties.Code).toHaveProperty('S3Key');
  });
});
