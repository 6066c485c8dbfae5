/**
 * One workflow: a Standard state machine from one `statemachines/<name>.asl.json`, with the definition
 * substitutions its text uses (`${XFunctionArn}` → that task's function, `${EventBusName}` → the app's bus), a role
 * that may invoke exactly the functions it references and put events on the bus only if it uses it, logging of the
 * path taken (never the payloads) and X-Ray tracing.
 *
 * Its id is the workflow's PascalCase name (`workflowId`); its resources keep the stack-level ids `<Id>StateMachine`,
 * `<Id>Logs` and the output `<Id>StateMachineArn`.
 */
import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { functionArnSubstitution, type TaskFunction } from '../../tasks/registry.js';
import {
  applySubstitutions,
  eventBusSubstitution,
  localFunctionArn,
  placeholdersIn,
  workflowSubstitutions,
  type WorkflowFile,
} from '../workflows.js';
import { AppLogGroup } from './log-group.js';
import { keepStackLevelIds } from './logical-ids.js';
import { pascalCase } from './names.js';

export interface WorkflowProps {
  workflow: WorkflowFile;
  /** The state machine's name, fixed in advance (`stateMachineNameFor`) so roles can name it without a cycle. */
  stateMachineName: string;
  /** Every task function, by task name; the definition's placeholders choose among them. */
  tasks: readonly TaskFunction[];
  functions: ReadonlyMap<string, IFunction>;
  /** The app's bus, for `${EventBusName}`. */
  eventBus: IEventBus;
  logRetention: RetentionDays;
}

/** `member-registration` → `MemberRegistration`. */
export function workflowId(workflow: Pick<WorkflowFile, 'name'>): string {
  return pascalCase(workflow.name);
}

/**
 * `<stack>-<workflow>`. Fixed names let task roles be granted callbacks on the state machines without a dependency
 * cycle (function → role policy → state machine → function ARN).
 */
export function stateMachineNameFor(scope: IConstruct, workflowName: string): string {
  const name = `${Stack.of(scope).stackName}-${workflowName}`;
  if (name.length > 80) throw new Error(`State machine name ${name} is longer than 80 characters`);
  return name;
}

/** `arn:...:stateMachine:<name>`. */
export function stateMachineArnFor(scope: IConstruct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: stateMachineName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `arn:...:execution:<stateMachineName>:*`: every execution of one state machine. */
export function executionArnPattern(scope: IConstruct, stateMachineName: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export class Workflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly stateMachineName: string;
  readonly logGroup: AppLogGroup;
  /** The tasks its definition references. */
  readonly usedTasks: readonly TaskFunction[];

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    keepStackLevelIds(this, id);
    const { workflow, tasks, stateMachineName } = props;
    this.stateMachineName = stateMachineName;
    const functionArn = (task: TaskFunction) => {
      const fn = props.functions.get(task.name);
      if (!fn) throw new Error(`No function for task ${task.name}`);
      return fn.functionArn;
    };
    const substitutions = workflowSubstitutions(functionArn, tasks, {
      eventBusName: props.eventBus.eventBusName,
    });
    const used = placeholdersIn(workflow.definitionText);
    try {
      // Fail the synth, not the deploy, on a placeholder nothing provides.
      applySubstitutions(workflow.definitionText, workflowSubstitutions(localFunctionArn, tasks));
    } catch (error) {
      throw new Error(`${workflow.file}: ${(error as Error).message}`, { cause: error });
    }
    this.usedTasks = tasks.filter((task) => used.includes(functionArnSubstitution(task.name)));

    this.logGroup = new AppLogGroup(this, 'Logs', {
      retention: props.logRetention,
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(workflow.definitionText),
      definitionSubstitutions: Object.fromEntries(used.map((key) => [key, substitutions[key] ?? ''])),
      // Execution data holds names and email addresses: log the path taken, never the payloads.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    if (this.usedTasks.length > 0) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: this.usedTasks.map((task) => substitutions[functionArnSubstitution(task.name)] ?? ''),
        }),
      );
    }
    if (used.includes(eventBusSubstitution)) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.eventBus.eventBusArn] }),
      );
    }
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
  }
}
