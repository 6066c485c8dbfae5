/**
 * One task of the registry (`tasks/registry.ts`) as a Lambda function whose role holds exactly the task's declared
 * `access`: the table's items (read, or read and write), sending email from the sender address, and answering the
 * callbacks of the given state machines; plus its own log group and X-Ray, as every `NodeFunction`.
 *
 * Its id is `<PascalName>Function` (`taskFunctionId`), which the logical ids of its resources keep.
 */
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { TaskFunction } from '../../tasks/registry.js';
import type { AppTable } from './app-table.js';
import type { EmailSending } from './email-sending.js';
import { NodeFunction } from './node-function.js';
import { pascalCase } from './names.js';

export const taskCallbackActions = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
] as const;

export interface TaskLambdaProps {
  task: TaskFunction;
  /** The variables every function gets (table name, URLs, settings, logging). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  table: AppTable;
  email: EmailSending;
  /** The state machines whose callbacks a task with `workflowCallbacks` may answer. */
  callbackStateMachineArns: readonly string[];
}

/** `validate-registration` → `ValidateRegistrationFunction`. */
export function taskFunctionId(task: Pick<TaskFunction, 'name'>): string {
  return `${pascalCase(task.name)}Function`;
}

export class TaskLambda extends NodeFunction {
  readonly task: TaskFunction;

  constructor(scope: Construct, id: string, props: TaskLambdaProps) {
    const { task, table, email } = props;
    super(scope, id, {
      entry: task.entry,
      description: task.description,
      timeout: Duration.seconds(task.timeoutSeconds),
      memoryMb: task.memoryMb ?? 256,
      environment: {
        ...props.environment,
        ...(task.access.sendEmail ? { EMAIL_SENDER: email.senderEmail } : {}),
      },
      logRetention: props.logRetention,
    });
    this.task = task;
    const access = task.access;
    if (access.table) table.grantItems(this.role, access.table);
    if (access.sendEmail) email.grantSend(this.role);
    if (access.workflowCallbacks && props.callbackStateMachineArns.length > 0) {
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: [...taskCallbackActions],
          resources: [...props.callbackStateMachineArns],
        }),
      );
    }
  }
}
