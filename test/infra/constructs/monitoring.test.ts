import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Code, Function as LambdaFunction, Runtime, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Pass, StateMachine, DefinitionBody, type IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { Monitoring } from '../../../infra/constructs/monitoring.js';
import { NotificationsKey } from '../../../infra/constructs/notifications-key.js';
import { constructTestStack, logicalId, ofType, resourcesOf } from '../support.js';

function build(alarmEmail?: string) {
  const stack = constructTestStack();
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => ({});'),
    });
  const functions = new Map<string, IFunction>([
    ['validate-registration', fn('Validate')],
    ['api', fn('Api')],
  ]);
  const machine = new StateMachine(stack, 'Machine', {
    definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Pass')),
  });
  const stateMachines = new Map<string, IStateMachine>([['registration', machine]]);
  const httpApi = new HttpApi(stack, 'HttpApi');
  const monitoring = new Monitoring(stack, 'Monitoring', {
    encryptionKey: new NotificationsKey(stack, 'Key'),
    alarmEmail,
    errorThreshold: 4,
    failedExecutionsThreshold: 3,
    stateMachines,
    functions,
    httpApi,
  });
  return { stack, monitoring, functions, machine, httpApi };
}

describe('Monitoring', () => {
  it('raises every alarm to the encrypted alarm topic, with the given thresholds', () => {
    const { stack, monitoring, functions, machine, httpApi } = build();
    const resources = resourcesOf(stack);
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toHaveLength(3 + 2 * 2 + 1);
    expect(monitoring.alarms).toHaveLength(alarms.length);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        AlarmActions: [{ Ref: logicalId(monitoring.alarmTopic) }],
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
    const find = (namespace: string, metric: string, dimension: string) =>
      alarms.find(
        (a) =>
          a.Namespace === namespace &&
          a.MetricName === metric &&
          JSON.stringify(a.Dimensions).includes(dimension),
      );
    const machineRef = JSON.stringify({ Ref: logicalId(machine) });
    expect(find('AWS/States', 'ExecutionsFailed', machineRef)).toMatchObject({ Threshold: 3, Period: 3600 });
    expect(find('AWS/States', 'ExecutionsTimedOut', machineRef)).toMatchObject({ Threshold: 1, Period: 300 });
    expect(find('AWS/States', 'ExecutionsAborted', machineRef)).toMatchObject({ Threshold: 1 });
    for (const fn of functions.values()) {
      const ref = JSON.stringify({ Ref: logicalId(fn) });
      expect(find('AWS/Lambda', 'Errors', ref)).toMatchObject({ Threshold: 4, Period: 300 });
      expect(find('AWS/Lambda', 'Throttles', ref)).toMatchObject({ Threshold: 1 });
    }
    expect(find('AWS/ApiGateway', '5xx', JSON.stringify({ Ref: logicalId(httpApi) }))).toMatchObject({
      Threshold: 4,
    });
    expect(resources[logicalId(monitoring.alarmTopic)]!.Properties.KmsMasterKeyId).toBeDefined();
  });

  it('subscribes the alarm email when given', () => {
    Template.fromStack(build().stack).resourceCountIs('AWS::SNS::Subscription', 0);
    Template.fromStack(build('ops@example.org').stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
    });
  });

  it('keeps the stack-level ids and exports the alarm topic', () => {
    const { stack, monitoring } = build();
    const json = Template.fromStack(stack).toJSON() as { Resources: object; Outputs: object };
    expect(logicalId(monitoring.alarmTopic)).toBe('AlarmTopicD01E77F9');
    expect(Object.keys(json.Resources)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^RegistrationExecutionsFailedAlarm[0-9A-F]{8}$/),
        expect.stringMatching(/^ValidateRegistrationErrorsAlarm[0-9A-F]{8}$/),
        expect.stringMatching(/^ApiThrottlesAlarm[0-9A-F]{8}$/),
        'Api5xxAlarm31F257DC',
      ]),
    );
    expect(json.Outputs).toMatchObject({ AlarmTopicArn: { Export: { Name: 'Test-AlarmTopicArn' } } });
  });
});
