/**
 * The whole backend as one CDK stack: the application table, one Lambda per registered task, one Standard state
 * machine per `statemachines/*.asl.json`, the app's EventBridge bus the workflows publish to, the HTTP API (API
 * Gateway in front of the Hono app in Lambda), SES (identity, configuration set, bounce and complaint
 * notifications), the session signing key's secret and alarms.
 * Everything is derived from the shared definitions (table, task registry, ASL files), so adding a task or a
 * workflow needs no change here. Each part is a construct in `infra/constructs/`; this file only wires them.
 * The constructs keep the logical ids the resources had when this file created them directly
 * (`infra/constructs/logical-ids.ts`; checked by `test/infra/logical-ids.test.ts`): never rename a construct id here.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { HttpApi, HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { taskFunctions, type TaskFunction } from '../tasks/registry.js';
import { ApiBackend } from './constructs/api-backend.js';
import { AppTable } from './constructs/app-table.js';
import { EmailSending } from './constructs/email-sending.js';
import { AppHttpApi } from './constructs/http-api.js';
import { Monitoring } from './constructs/monitoring.js';
import { NotificationsKey } from './constructs/notifications-key.js';
import { TaskLambda, taskFunctionId } from './constructs/task-function.js';
import {
  executionArnPattern,
  stateMachineArnFor,
  stateMachineNameFor,
  Workflow,
  workflowId,
} from './constructs/workflow.js';
import {
  defaultAlarmThresholds,
  defaultApiThrottle,
  defaultLogLevel,
  defaultLogRetention,
  workflowSettingsEnvironment,
  type WorkflowSettings,
} from './settings.js';
import { listWorkflows, type WorkflowFile } from './workflows.js';

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
}

export class LuminaStack extends Stack {
  readonly table: AppTable;
  /**
   * The app's EventBridge bus (`<stack>-events`): what `${EventBusName}` stands for in the ASL files. Only the state
   * machines whose definition uses it may put events on it.
   */
  readonly eventBus: EventBus;
  readonly email: EmailSending;
  readonly api: AppHttpApi;
  readonly apiBackend: ApiBackend;
  readonly monitoring: Monitoring;
  /** Task Lambdas by task name. */
  readonly taskFunctions: ReadonlyMap<string, IFunction>;
  /** Workflows by name. */
  readonly workflows: ReadonlyMap<string, Workflow>;
  /** State machines by workflow name. */
  readonly stateMachines: ReadonlyMap<string, StateMachine>;
  /** The deployed state machine names (`<stack>-<workflow>`). */
  readonly stateMachineNames: readonly string[];
  /** The Lambda running the Hono app (`api/lambda.ts`). */
  readonly apiFunction: NodejsFunction;
  readonly apiRole: Role;
  readonly httpApi: HttpApi;
  /** The one route: everything goes to the app. */
  readonly httpApiRoute: HttpRoute;
  /** Holds the session signing key (a private JWK); its value is set by `npm run signing-key`. */
  readonly signingKeySecret: Secret;
  /** SES bounce and complaint notifications (exported for a later consumer). */
  readonly emailFeedbackTopic: Topic;
  readonly alarmTopic: Topic;
  /** Every alarm. */
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LuminaStackProps) {
    super(scope, id, props);
    const tasks = props.tasks ?? taskFunctions;
    const workflowFiles = props.workflows ?? listWorkflows();
    const logRetention = props.logRetention ?? defaultLogRetention;

    this.table = new AppTable(this, 'AppTable');
    // Workflows publish domain events (e.g. a submission approved) here with `events:putEvents`; consumers add
    // their own rules to it.
    this.eventBus = new EventBus(this, 'EventBus', { eventBusName: `${this.stackName}-events` });
    this.stateMachineNames = workflowFiles.map((workflow) => stateMachineNameFor(this, workflow.name));

    const notificationsKey = new NotificationsKey(this, 'NotificationsKey');
    this.email = new EmailSending(this, 'Email', {
      senderEmail: props.senderEmail,
      sesIdentity: props.sesIdentity,
      sesIdentityExists: props.sesIdentityExists,
      encryptionKey: notificationsKey,
    });
    // The API Gateway endpoint comes first: emailed links to the API (relay confirmation and report) need its URL.
    this.api = new AppHttpApi(this, 'Api', {
      siteOrigins: props.siteOrigins ?? [new URL(props.siteUrl).origin],
      throttle: props.apiThrottle ?? defaultApiThrottle,
      logRetention,
    });
    const environment = {
      TABLE_NAME: this.table.tableName,
      SITE_URL: props.siteUrl,
      PUBLIC_API_URL: props.publicApiUrl ?? this.api.url,
      ...workflowSettingsEnvironment(props.workflowSettings),
      POWERTOOLS_SERVICE_NAME: 'lumina',
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? defaultLogLevel,
      NODE_OPTIONS: '--enable-source-maps',
    };

    const callbackStateMachineArns = this.stateMachineNames.map((name) => stateMachineArnFor(this, name));
    const functions = new Map<string, IFunction>();
    for (const task of tasks) {
      const lambda = new TaskLambda(this, taskFunctionId(task), {
        task,
        environment,
        logRetention,
        table: this.table,
        email: this.email,
        callbackStateMachineArns,
      });
      functions.set(task.name, lambda.function);
    }
    this.taskFunctions = functions;

    const workflows = new Map<string, Workflow>();
    for (const workflow of workflowFiles) {
      workflows.set(
        workflow.name,
        new Workflow(this, workflowId(workflow), {
          workflow,
          stateMachineName: stateMachineNameFor(this, workflow.name),
          tasks,
          functions,
          eventBus: this.eventBus,
          logRetention,
        }),
      );
    }
    this.workflows = workflows;
    this.stateMachines = new Map([...workflows].map(([name, workflow]) => [name, workflow.stateMachine]));

    this.apiBackend = new ApiBackend(this, 'ApiBackend', {
      environment,
      logRetention,
      table: this.table,
      email: this.email,
      workflows,
    });
    this.httpApiRoute = this.api.routeAllTo(this.apiBackend.function.function);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      encryptionKey: notificationsKey,
      alarmEmail: props.alarmEmail,
      errorThreshold: props.errorAlarmThreshold ?? defaultAlarmThresholds.errors,
      failedExecutionsThreshold:
        props.failedExecutionsAlarmThreshold ?? defaultAlarmThresholds.failedExecutions,
      stateMachines: this.stateMachines,
      functions: new Map([...functions, ['api', this.apiBackend.function.function]]),
      httpApi: this.api.httpApi,
    });

    this.apiFunction = this.apiBackend.function.function;
    this.apiRole = this.apiBackend.function.role;
    this.httpApi = this.api.httpApi;
    this.signingKeySecret = this.apiBackend.signingKeySecret;
    this.emailFeedbackTopic = this.email.feedbackTopic;
    this.alarmTopic = this.monitoring.alarmTopic;
    this.alarms = this.monitoring.alarms;

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'The EventBridge bus the workflows publish their events to',
      exportName: `${this.stackName}-EventBusName`,
    });
  }

  /** `arn:...:execution:<stateMachineName>:*`: every execution of one state machine. */
  executionArnPattern(stateMachineName: string): string {
    return executionArnPattern(this, stateMachineName);
  }
}
