/**
 * Monitoring: one encrypted alarm topic (optionally with an email subscription) and the alarms that publish to it:
 * per workflow, failed, timed-out and aborted executions; per function, errors and throttles; for the API, 5xx
 * responses. (Each function, state machine and the API writes to its own log group, created with it.)
 *
 * Logical ids: its resources keep the stack-level ids they had before the construct existed (`AlarmTopic`,
 * `<Workflow>ExecutionsFailedAlarm`, `<Function>ErrorsAlarm`, `Api5xxAlarm`, the output `AlarmTopicArn`, ...).
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { keepStackLevelIds } from './logical-ids.js';
import { pascalCase } from './names.js';

export interface MonitoringProps {
  /** Encrypts the alarm topic; CloudWatch must be allowed to use it. */
  encryptionKey: IKey;
  /** An address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Lambda errors (per function) or API 5xx responses in 5 minutes that raise an alarm. */
  errorThreshold: number;
  /** Failed executions (per workflow) in an hour that raise an alarm. */
  failedExecutionsThreshold: number;
  /** State machines by workflow name (kebab-case). */
  stateMachines: ReadonlyMap<string, IStateMachine>;
  /** Functions by name (kebab-case: the task names, and `api`). */
  functions: ReadonlyMap<string, IFunction>;
  httpApi: IHttpApi;
}

export class Monitoring extends Construct {
  readonly alarmTopic: Topic;
  /** Every alarm, in the order created. */
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    keepStackLevelIds(this);
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Lumina alarms',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    for (const [name, machine] of props.stateMachines) {
      const prefix = pascalCase(name);
      this.alarm(`${prefix}ExecutionsFailedAlarm`, machine.metricFailed({ period: Duration.hours(1) }), {
        threshold: props.failedExecutionsThreshold,
        description: `${name}: failed executions (a Fail state or an error no Catch handled)`,
      });
      this.alarm(`${prefix}ExecutionsTimedOutAlarm`, machine.metricTimedOut({ period: fiveMinutes }), {
        threshold: 1,
        description: `${name}: executions that timed out`,
      });
      this.alarm(`${prefix}ExecutionsAbortedAlarm`, machine.metricAborted({ period: fiveMinutes }), {
        threshold: 1,
        description: `${name}: executions that were stopped`,
      });
    }
    for (const [name, fn] of props.functions) {
      const prefix = pascalCase(name);
      this.alarm(`${prefix}ErrorsAlarm`, fn.metricErrors({ period: fiveMinutes }), {
        threshold: props.errorThreshold,
        description: `${name}: Lambda errors (tasks also fail on purpose with named errors the workflows catch)`,
      });
      this.alarm(`${prefix}ThrottlesAlarm`, fn.metricThrottles({ period: fiveMinutes }), {
        threshold: 1,
        description: `${name}: throttled Lambda invocations`,
      });
    }
    this.alarm('Api5xxAlarm', props.httpApi.metricServerError({ period: fiveMinutes }), {
      threshold: props.errorThreshold,
      description: 'API: 5xx responses',
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      exportName: `${Stack.of(this).stackName}-AlarmTopicArn`,
    });
  }

  private alarm(id: string, metric: IMetric, options: { threshold: number; description: string }): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    this.alarms.push(alarm);
  }
}
