/**
 * The one list of task Lambdas. CDK creates a function per entry and passes its ARN to the state machines as the
 * definition substitution `${<PascalName>FunctionArn}`; the local Step Functions runtime resolves the same
 * substitution to the same handler module. Adding a task means adding it here, nowhere else.
 */
export interface TaskAccess {
  /** Access to the application table. */
  table?: 'read' | 'readwrite';
  /** May send email through SES. */
  sendEmail?: boolean;
  /** May call SendTaskSuccess/SendTaskFailure/SendTaskHeartbeat. */
  workflowCallbacks?: boolean;
}

export interface TaskFunction {
  /** kebab-case name, also the file name under `tasks/` */
  name: string;
  /** Module exporting `handler`, relative to the repository root. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb?: number;
  access: TaskAccess;
}

export const taskFunctions: readonly TaskFunction[] = [];

/** `send-verification-email` → `SendVerificationEmailFunctionArn`, the substitution key used in the ASL files. */
export function functionArnSubstitution(name: string): string {
  const pascal = name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}FunctionArn`;
}
