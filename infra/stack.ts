/**
 * The whole backend as one CDK stack: the application table, one Lambda per registered task, and one Standard
 * state machine per `statemachines/*.asl.json`. Everything is derived from the shared definitions (table,
 * task registry, ASL files), so adding a task or a workflow needs no change here.
 */
import { join } from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Runtime, Tracing, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { appTable, type KeyAttribute } from '../core/table.js';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../tasks/registry.js';
import {
  applySubstitutions,
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
   * tasks may send only from this address.
   */
  senderEmail: string;
  /** Public base URL of the alumni site, used to build emailed links (context `siteUrl`). */
  siteUrl: string;
  /** Workflows to deploy. Default: every `statemachines/*.asl.json`. Tests inject fixtures. */
  workflows?: readonly WorkflowFile[];
  /** Task Lambdas to deploy. Default: the registry (`tasks/registry.ts`). Tests inject fixtures. */
  tasks?: readonly TaskFunction[];
  /**
   * TESTS ONLY. `'bundle'` (default) builds each task with esbuild as deployed; `'placeholder'` skips bundling and
   * uses an inline stub, which keeps assertion tests fast. Never deploy a `'placeholder'` stack.
   */
  taskCode?: 'bundle' | 'placeholder';
  /** Retention of task and workflow logs. Default one month. */
  logRetention?: RetentionDays;
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

export class LuminaStack extends Stack {
  readonly table: TableV2;
  /** Task Lambdas by task name. */
  readonly taskFunctions: ReadonlyMap<string, IFunction>;
  /** State machines by workflow name. */
  readonly stateMachines: ReadonlyMap<string, StateMachine>;

  constructor(scope: Construct, id: string, props: LuminaStackProps) {
    super(scope, id, props);
    if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(props.senderEmail)) {
      throw new Error(`senderEmail must be a plain email address, got "${props.senderEmail}"`);
    }
    const tasks = props.tasks ?? taskFunctions;
    const workflows = props.workflows ?? listWorkflows();
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

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

    // State machine names are fixed so task roles can be granted callbacks on them without a dependency cycle
    // (function → role policy → state machine → function ARN).
    const stateMachineNames = new Map(
      workflows.map((workflow) => [workflow.name, `${this.stackName}-${workflow.name}`]),
    );
    for (const name of stateMachineNames.values()) {
      if (name.length > 80) throw new Error(`State machine name ${name} is longer than 80 characters`);
    }
    const stateMachineArns = [...stateMachineNames.values()].map((name) =>
      this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );

    const functions = new Map<string, IFunction>();
    for (const task of tasks) {
      functions.set(task.name, this.taskFunction(task, props, logRetention, stateMachineArns));
    }
    this.taskFunctions = functions;

    const arnSubstitutions = workflowSubstitutions((task) => {
      const fn = functions.get(task.name);
      if (!fn) throw new Error(`No function for task ${task.name}`);
      return fn.functionArn;
    }, tasks);
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
      const logGroup = new LogGroup(this, `${pascalCase(workflow.name)}Logs`, {
        logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
        retention: logRetention,
      });
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
      machines.set(workflow.name, machine);
      new CfnOutput(this, `${pascalCase(workflow.name)}StateMachineArn`, { value: machine.stateMachineArn });
    }
    this.stateMachines = machines;

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
  }

  private taskFunction(
    task: TaskFunction,
    props: LuminaStackProps,
    logRetention: RetentionDays,
    stateMachineArns: readonly string[],
  ): IFunction {
    const id = `${pascalCase(task.name)}Function`;
    const common = {
      description: task.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(task.timeoutSeconds),
      memorySize: task.memoryMb ?? 256,
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(this, `${id}Logs`, { retention: logRetention }),
      environment: {
        TABLE_NAME: this.table.tableName,
        SITE_URL: props.siteUrl,
        ...(task.access.sendEmail ? { EMAIL_SENDER: props.senderEmail } : {}),
        POWERTOOLS_SERVICE_NAME: 'lumina',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
    };
    // TESTS ONLY: an inline stub instead of the esbuild bundle (see `taskCode`); every other setting is the same.
    const placeholderCode =
      props.taskCode === 'placeholder'
        ? { code: Code.fromInline('exports.handler = async () => ({});'), handler: 'index.handler' }
        : {};
    const fn = new NodejsFunction(this, id, {
      ...common,
      entry: join(repoRoot, task.entry),
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
        // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });

    const access = task.access;
    if (access.table) {
      this.table.grant(fn, ...tableReadActions, ...(access.table === 'readwrite' ? tableWriteActions : []));
    }
    if (access.sendEmail) {
      const domain = props.senderEmail.slice(props.senderEmail.indexOf('@') + 1);
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail', 'ses:SendRawEmail'],
          // SES authorises against the identity that verified the sender: the address itself or its domain.
          resources: [props.senderEmail, domain].map((identity) =>
            this.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
          ),
          conditions: { StringEquals: { 'ses:FromAddress': props.senderEmail } },
        }),
      );
    }
    if (access.workflowCallbacks && stateMachineArns.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({ actions: taskCallbackActions, resources: [...stateMachineArns] }),
      );
    }
    return fn;
  }
}
