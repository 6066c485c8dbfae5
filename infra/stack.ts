/**
 * The whole backend as one CDK stack: the application table, one Lambda per registered task, one Standard state
 * machine per `statemachines/*.asl.json`, the app's EventBridge bus the workflows publish to, the HTTP API (API
 * Gateway in front of the Hono app in Lambda), SES (identity, configuration set, bounce and complaint
 * notifications), the session signing key's secret and alarms.
 * Everything is derived from the shared definitions (table, task registry, ASL files), so adding a task or a
 * workflow needs no change here.
 */
import { assertOrigin, corsPolicy } from '../core/cors.js';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Runtime, Tracing, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { docsAssetFiles } from '../api/docs.js';
import { stateMachineArnVariable } from '../core/config.js';
import { appTable, type KeyAttribute } from '../core/table.js';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../tasks/registry.js';
import {
  defaultAlarmThresholds,
  defaultApiThrottle,
  defaultLogLevel,
  defaultLogRetention,
  workflowSettingsEnvironment,
  type WorkflowSettings,
} from './settings.js';
import {
  applySubstitutions,
  eventBusSubstitution,
  listWorkflows,
  localFunctionArn,
  placeholdersIn,
  repoRoot,
  workflowSubstitutions,
  type WorkflowFile,
} from './workflows.js';

export interface LuminaStackProps extends StackProps {
  /**
   * The From address of every email (context `senderEmail`). It, or its domain, must be a verified SES identity;
   * the API and the tasks may send only from this address.
   */
  senderEmail: string;
  /** Public base URL of the alumni site, used to build emailed sign-in links (context `siteUrl`). */
  siteUrl: string;
  /** Origins allowed by CORS (context `siteOrigins`). Default: the origin of `siteUrl`. */
  siteOrigins?: readonly string[];
  /** The SES identity to create: `senderEmail`, or its domain or a parent domain. Default `senderEmail`. */
  sesIdentity?: string;
  /** The identity already exists in the account: use it, do not create it. */
  sesIdentityExists?: boolean;
  /** The API's public URL, for emailed links to the API. Default: the API Gateway endpoint. */
  publicApiUrl?: string;
  /** Workflow settings (timeouts, student domains, relay limits); unset ones take the code's defaults. */
  workflowSettings?: WorkflowSettings;
  /** API Gateway throttling of the whole API. */
  apiThrottle?: { rateLimit: number; burstLimit: number };
  /** Retention of every log group. Default one month. */
  logRetention?: RetentionDays;
  /** Powertools log level of the API and the tasks. Default INFO. */
  logLevel?: string;
  /** An address subscribed to the alarm topic. */
  alarmEmail?: string;
  /** Lambda errors (per function) or API 5xx responses in 5 minutes that raise an alarm. Default 5. */
  errorAlarmThreshold?: number;
  /** Failed executions (per workflow) in an hour that raise an alarm. Default 5. */
  failedExecutionsAlarmThreshold?: number;
  /** Workflows to deploy. Default: every `statemachines/*.asl.json`. Tests inject fixtures. */
  workflows?: readonly WorkflowFile[];
  /** Task Lambdas to deploy. Default: the registry (`tasks/registry.ts`). Tests inject fixtures. */
  tasks?: readonly TaskFunction[];
  /**
   * TESTS ONLY. `'bundle'` (default) builds the API and each task with esbuild as deployed; `'placeholder'` skips
   * bundling and uses an inline stub, which keeps assertion tests fast. Never deploy a `'placeholder'` stack.
   */
  taskCode?: 'bundle' | 'placeholder';
}

const dynamoType: Record<KeyAttribute['type'], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
};

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: dynamoType[key.type] };
}

function pascalCase(kebab: string): string {
  return kebab
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

const tableReadActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];
// TransactWriteItems is authorised through these per-item actions; there is no IAM action of its own.
const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const taskCallbackActions = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];
const sendEmailActions = ['ses:SendEmail', 'ses:SendRawEmail'];

/**
 * The API access log: one JSON line per request. `$context.path` is the path without the query string, which is
 * where emailed links carry their tokens (`/auth?token=...`); no header or body is logged either.
 */
const accessLogFormat = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
});

interface FunctionOptions {
  entry: string;
  description: string;
  timeout: Duration;
  memoryMb: number;
  environment: Record<string, string>;
  commandHooks?: ICommandHooks;
}

export class LuminaStack extends Stack {
  readonly table: TableV2;
  /**
   * The app's EventBridge bus (`<stack>-events`): what `${EventBusName}` stands for in the ASL files. Only the state
   * machines whose definition uses it may put events on it.
   */
  readonly eventBus: EventBus;
  /** Task Lambdas by task name. */
  readonly taskFunctions: ReadonlyMap<string, IFunction>;
  /** State machines by workflow name. */
  readonly stateMachines: ReadonlyMap<string, StateMachine>;
  /** The Lambda running the Hono app (`api/lambda.ts`). */
  readonly apiFunction: NodejsFunction;
  readonly apiRole: Role;
  readonly httpApi: HttpApi;
  /** The one route: everything goes to the app. */
  readonly httpApiRoute: HttpRoute;
  /** The deployed state machine names (`<stack>-<workflow>`). */
  readonly stateMachineNames: readonly string[];
  /** Holds the session signing key (a private JWK); its value is set by `npm run signing-key`. */
  readonly signingKeySecret: Secret;
  /** SES bounce and complaint notifications (exported for a later consumer). */
  readonly emailFeedbackTopic: Topic;
  readonly alarmTopic: Topic;
  /** Every alarm, by construct id. */
  readonly alarms: Alarm[] = [];

  private readonly props: LuminaStackProps;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: LuminaStackProps) {
    super(scope, id, props);
    this.props = props;
    if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(props.senderEmail)) {
      throw new Error(`senderEmail must be a plain email address, got "${props.senderEmail}"`);
    }
    const senderDomain = props.senderEmail.slice(props.senderEmail.indexOf('@') + 1).toLowerCase();
    const sesIdentity = (props.sesIdentity ?? props.senderEmail).toLowerCase();
    if (
      sesIdentity !== props.senderEmail.toLowerCase() &&
      sesIdentity !== senderDomain &&
      !senderDomain.endsWith(`.${sesIdentity}`)
    ) {
      throw new Error(`sesIdentity must be senderEmail, its domain or a parent domain, got "${sesIdentity}"`);
    }
    const siteOrigins = props.siteOrigins ?? [new URL(props.siteUrl).origin];
    for (const origin of siteOrigins) assertOrigin(origin, 'siteOrigins');
    const tasks = props.tasks ?? taskFunctions;
    const workflows = props.workflows ?? listWorkflows();
    this.logRetention = props.logRetention ?? defaultLogRetention;
    const settingsEnvironment = workflowSettingsEnvironment(props.workflowSettings);

    this.table = new TableV2(this, 'AppTable', {
      partitionKey: attribute(appTable.partitionKey),
      sortKey: attribute(appTable.sortKey),
      globalSecondaryIndexes: appTable.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      })),
      timeToLiveAttribute: appTable.timeToLiveAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryptionV2.awsManagedKey(),
    });

    // Workflows publish domain events (e.g. a submission approved) here with `events:putEvents`; consumers add
    // their own rules to it.
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `${this.stackName}-events` });

    // State machine names are fixed so task roles can be granted callbacks on them without a dependency cycle
    // (function → role policy → state machine → function ARN).
    const stateMachineNames = new Map(
      workflows.map((workflow) => [workflow.name, `${this.stackName}-${workflow.name}`]),
    );
    for (const name of stateMachineNames.values()) {
      if (name.length > 80) throw new Error(`State machine name ${name} is longer than 80 characters`);
    }
    const stateMachineArn = (name: string) =>
      this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const stateMachineArns = [...stateMachineNames.values()].map(stateMachineArn);
    this.stateMachineNames = [...stateMachineNames.values()];

    // Notifications: one customer managed key, because SES and CloudWatch can publish to an encrypted topic only
    // with a key whose policy lets them (the AWS managed SNS key does not).
    const notificationsKey = new Key(this, 'NotificationsKey', {
      description: 'Encrypts the alarm and email feedback topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    notificationsKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublishingServices',
        principals: [
          new ServicePrincipal('ses.amazonaws.com'),
          new ServicePrincipal('cloudwatch.amazonaws.com'),
        ],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        // In a key policy `*` means this key.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'Lumina alarms',
      masterKey: notificationsKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.emailFeedbackTopic = new Topic(this, 'EmailFeedbackTopic', {
      displayName: 'Lumina email bounces and complaints',
      masterKey: notificationsKey,
      enforceSSL: true,
    });

    // SES: every email goes through one configuration set (the identity's default), which reports bounces and
    // complaints to the feedback topic and keeps bounced and complaining addresses on the suppression list.
    const configurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    configurationSet.addEventDestination('EmailFeedback', {
      destination: EventDestination.snsTopic(this.emailFeedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    if (!props.sesIdentityExists) {
      const isDomain = !sesIdentity.includes('@');
      const identity = new EmailIdentity(this, 'SenderIdentity', {
        identity: isDomain ? Identity.domain(sesIdentity) : Identity.email(sesIdentity),
        configurationSet,
      });
      if (isDomain) {
        identity.dkimRecords.forEach((record, index) => {
          new CfnOutput(this, `SenderIdentityDkimRecord${index + 1}`, {
            description: 'A DKIM CNAME record to publish in DNS for the sender domain',
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    }
    // SES authorises a send against the identity that verified the sender: the address itself, its domain or a
    // parent domain; and against the configuration set the email uses.
    const sendEmailStatement = new PolicyStatement({
      actions: sendEmailActions,
      resources: [
        ...[...new Set([props.senderEmail.toLowerCase(), senderDomain, sesIdentity])].map((identity) =>
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
        this.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: configurationSet.configurationSetName,
        }),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': props.senderEmail } },
    });

    this.signingKeySecret = new Secret(this, 'SessionSigningKey', {
      description:
        'Lumina session signing key: a private EC P-256 JWK. Set it with `npm run signing-key -- --secret-id <arn>`.',
    });

    // The API Gateway endpoint comes first: emailed links to the API (relay confirmation and report) need its URL.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${this.stackName}-api`,
      description: 'Lumina alumni API',
      createDefaultStage: false,
      // The policy `npm start` applies too (core/cors.ts); API Gateway answers preflights and adds the headers.
      corsPreflight: {
        allowOrigins: [...siteOrigins],
        allowMethods: corsPolicy.allowMethods.map((method) => CorsHttpMethod[method]),
        allowHeaders: [...corsPolicy.allowHeaders],
        exposeHeaders: [...corsPolicy.exposeHeaders],
        maxAge: Duration.seconds(corsPolicy.maxAgeSeconds),
      },
    });
    const publicApiUrl = props.publicApiUrl ?? this.httpApi.apiEndpoint;

    const commonEnvironment = {
      TABLE_NAME: this.table.tableName,
      SITE_URL: props.siteUrl,
      PUBLIC_API_URL: publicApiUrl,
      ...settingsEnvironment,
      POWERTOOLS_SERVICE_NAME: 'lumina',
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? defaultLogLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };

    const functions = new Map<string, IFunction>();
    for (const task of tasks) {
      const { fn, role } = this.nodeFunction(`${pascalCase(task.name)}Function`, {
        entry: task.entry,
        description: task.description,
        timeout: Duration.seconds(task.timeoutSeconds),
        memoryMb: task.memoryMb ?? 256,
        environment: {
          ...commonEnvironment,
          ...(task.access.sendEmail ? { EMAIL_SENDER: props.senderEmail } : {}),
        },
      });
      const access = task.access;
      if (access.table) {
        role.addToPrincipalPolicy(
          this.tableStatement([
            ...tableReadActions,
            ...(access.table === 'readwrite' ? tableWriteActions : []),
          ]),
        );
      }
      if (access.sendEmail) role.addToPrincipalPolicy(sendEmailStatement);
      if (access.workflowCallbacks && stateMachineArns.length > 0) {
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: taskCallbackActions, resources: [...stateMachineArns] }),
        );
      }
      functions.set(task.name, fn);
    }
    this.taskFunctions = functions;

    const arnSubstitutions = workflowSubstitutions(
      (task) => {
        const fn = functions.get(task.name);
        if (!fn) throw new Error(`No function for task ${task.name}`);
        return fn.functionArn;
      },
      tasks,
      { eventBusName: this.eventBus.eventBusName },
    );
    const localSubstitutions = workflowSubstitutions(localFunctionArn, tasks);

    const machines = new Map<string, StateMachine>();
    for (const workflow of workflows) {
      const stateMachineName = stateMachineNames.get(workflow.name) ?? workflow.name;
      const used = placeholdersIn(workflow.definitionText);
      try {
        // Fail the synth, not the deploy, on a placeholder nothing provides.
        applySubstitutions(workflow.definitionText, localSubstitutions);
      } catch (error) {
        throw new Error(`${workflow.file}: ${(error as Error).message}`, { cause: error });
      }
      const usedTasks = tasks.filter((task) => used.includes(functionArnSubstitution(task.name)));
      const logGroup = this.logGroup(
        `${pascalCase(workflow.name)}Logs`,
        `/aws/vendedlogs/states/${stateMachineName}`,
      );
      const machine = new StateMachine(this, `${pascalCase(workflow.name)}StateMachine`, {
        stateMachineName,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromString(workflow.definitionText),
        definitionSubstitutions: Object.fromEntries(used.map((key) => [key, arnSubstitutions[key] ?? ''])),
        // Execution data holds names and email addresses: log the path taken, never the payloads.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      if (usedTasks.length > 0) {
        machine.addToRolePolicy(
          new PolicyStatement({
            actions: ['lambda:InvokeFunction'],
            resources: usedTasks.map((task) => arnSubstitutions[functionArnSubstitution(task.name)] ?? ''),
          }),
        );
      }
      if (used.includes(eventBusSubstitution)) {
        machine.addToRolePolicy(
          new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.eventBus.eventBusArn] }),
        );
      }
      machines.set(workflow.name, machine);
      new CfnOutput(this, `${pascalCase(workflow.name)}StateMachineArn`, { value: machine.stateMachineArn });
    }
    this.stateMachines = machines;

    // The API: the same Hono app as `npm start`, with the Swagger UI files `/docs` serves copied into the bundle.
    const api = this.nodeFunction('ApiFunction', {
      entry: 'api/lambda.ts',
      description: 'Lumina HTTP API (Hono)',
      // API Gateway waits at most 30 s for an integration.
      timeout: Duration.seconds(29),
      memoryMb: 1024,
      environment: {
        ...commonEnvironment,
        EMAIL_SENDER: props.senderEmail,
        SESSION_SIGNING_KEY_SECRET_ARN: this.signingKeySecret.secretArn,
        ...Object.fromEntries(
          [...machines].map(([name, machine]) => [stateMachineArnVariable(name), machine.stateMachineArn]),
        ),
      },
      commandHooks: swaggerUiCommandHooks(),
    });
    this.apiFunction = api.fn;
    this.apiRole = api.role;
    // `/health` probes the table with a GetItem (one of the reads), so the API needs nothing beyond its reads and writes.
    api.role.addToPrincipalPolicy(this.tableStatement([...tableReadActions, ...tableWriteActions]));
    api.role.addToPrincipalPolicy(sendEmailStatement);
    this.signingKeySecret.grantRead(api.role);
    if (machines.size > 0) {
      const names = [...machines.keys()].map((name) => stateMachineNames.get(name) ?? name);
      api.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: names.map(stateMachineArn),
        }),
      );
      api.role.addToPrincipalPolicy(
        new PolicyStatement({
          // Stopping: a deleted staff user's pending invitation, a withdrawn submission.
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          // Executions are named per request: any execution, of our state machines only.
          resources: names.map((name) => this.executionArnPattern(name)),
        }),
      );
    }
    // `/health` checks that Step Functions answers with ListStateMachines, which has no resource-level permissions.
    api.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['states:ListStateMachines'], resources: ['*'] }),
    );

    const accessLogs = this.logGroup('ApiAccessLogs');
    new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.apiThrottle ?? defaultApiThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(accessLogFormat),
      },
    });
    this.httpApiRoute = new HttpRoute(this, 'HttpApiDefaultRoute', {
      httpApi: this.httpApi,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('ApiIntegration', api.fn),
    });

    // Alarms, all to the alarm topic.
    const thresholds = {
      errors: props.errorAlarmThreshold ?? defaultAlarmThresholds.errors,
      failedExecutions: props.failedExecutionsAlarmThreshold ?? defaultAlarmThresholds.failedExecutions,
    };
    const fiveMinutes = Duration.minutes(5);
    for (const [name, machine] of machines) {
      const prefix = pascalCase(name);
      this.alarm(`${prefix}ExecutionsFailedAlarm`, machine.metricFailed({ period: Duration.hours(1) }), {
        threshold: thresholds.failedExecutions,
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
    const allFunctions: [string, IFunction][] = [...functions, ['api', api.fn]];
    for (const [name, fn] of allFunctions) {
      const prefix = pascalCase(name);
      this.alarm(`${prefix}ErrorsAlarm`, fn.metricErrors({ period: fiveMinutes }), {
        threshold: thresholds.errors,
        description: `${name}: Lambda errors (tasks also fail on purpose with named errors the workflows catch)`,
      });
      this.alarm(`${prefix}ThrottlesAlarm`, fn.metricThrottles({ period: fiveMinutes }), {
        threshold: 1,
        description: `${name}: throttled Lambda invocations`,
      });
    }
    this.alarm('Api5xxAlarm', this.httpApi.metricServerError({ period: fiveMinutes }), {
      threshold: thresholds.errors,
      description: 'API: 5xx responses',
    });

    new CfnOutput(this, 'ApiUrl', { value: `${this.httpApi.apiEndpoint}/`, description: 'The HTTP API' });
    new CfnOutput(this, 'ApiDocsUrl', { value: `${this.httpApi.apiEndpoint}/docs` });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'The EventBridge bus the workflows publish their events to',
      exportName: `${this.stackName}-EventBusName`,
    });
    new CfnOutput(this, 'SessionSigningKeySecretArn', {
      value: this.signingKeySecret.secretArn,
      description: 'Set its value with: npm run signing-key -- --secret-id <this ARN>',
    });
    new CfnOutput(this, 'EmailConfigurationSetName', { value: configurationSet.configurationSetName });
    new CfnOutput(this, 'EmailFeedbackTopicArn', {
      value: this.emailFeedbackTopic.topicArn,
      description: 'SES bounce and complaint notifications',
      exportName: `${this.stackName}-EmailFeedbackTopicArn`,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topicArn,
      exportName: `${this.stackName}-AlarmTopicArn`,
    });
  }

  /** `arn:...:execution:<stateMachineName>:*`: every execution of one state machine. */
  executionArnPattern(stateMachineName: string): string {
    return this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** A read or write grant on the table and each of its indexes (by name, from the shared definition). */
  private tableStatement(actions: string[]): PolicyStatement {
    return new PolicyStatement({
      actions,
      resources: [
        this.table.tableArn,
        ...appTable.globalSecondaryIndexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`),
      ],
    });
  }

  private logGroup(id: string, logGroupName?: string): LogGroup {
    return new LogGroup(this, id, {
      ...(logGroupName ? { logGroupName } : {}),
      retention: this.logRetention,
      // Kept names would block a redeploy after a tear-down; the logs hold no personal data beyond ids and IPs.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /**
   * A Node 22 ARM64 function bundled with esbuild, with its own log group and a role that may write only to it
   * (instead of the AWS managed basic execution role, which allows every log group).
   */
  private nodeFunction(id: string, options: FunctionOptions): { fn: NodejsFunction; role: Role } {
    const logGroup = this.logGroup(`${id}Logs`);
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${options.description}`.slice(0, 1000),
    });
    logGroup.grantWrite(role);
    // TESTS ONLY: an inline stub instead of the esbuild bundle (see `taskCode`); every other setting is the same.
    const placeholderCode =
      this.props.taskCode === 'placeholder'
        ? { code: Code.fromInline('exports.handler = async () => ({});'), handler: 'index.handler' }
        : {};
    const fn = new NodejsFunction(this, id, {
      description: options.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: options.timeout,
      memorySize: options.memoryMb,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: options.environment,
      entry: join(repoRoot, options.entry),
      handler: 'handler',
      ...placeholderCode,
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled (pinned by our lockfile) and tree-shaken, not taken from the runtime.
        externalModules: [],
        // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle (under a name no
        // bundled module declares).
        banner:
          "import { createRequire as __bannerCreateRequire } from 'node:module'; const require = __bannerCreateRequire(import.meta.url);",
        ...(options.commandHooks ? { commandHooks: options.commandHooks } : {}),
      },
    });
    return { fn, role };
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

/**
 * `api/docs.ts` finds Swagger UI with `require.resolve('swagger-ui-dist/package.json')` next to the running file,
 * so the bundle gets `node_modules/swagger-ui-dist/` holding that package.json and the files `/docs` serves.
 */
function swaggerUiCommandHooks(): ICommandHooks {
  const source = relative(
    repoRoot,
    dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')),
  );
  const files = ['package.json', ...docsAssetFiles];
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/node_modules/swagger-ui-dist"`,
      ...files.map(
        (file) => `cp "${inputDir}/${source}/${file}" "${outputDir}/node_modules/swagger-ui-dist/${file}"`,
      ),
    ],
  };
}
