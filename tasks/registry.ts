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
  /** The workflow (`statemachines/<workflow>.asl.json`) whose states invoke it; its logs carry this name. */
  workflow: string;
  /** Module exporting `handler`, relative to the repository root. */
  entry: string;
  description: string;
  timeoutSeconds: number;
  memoryMb?: number;
  access: TaskAccess;
}

export const taskFunctions: readonly TaskFunction[] = [
  // Registration (statemachines/registration.asl.json)
  {
    name: 'validate-registration',
    workflow: 'registration',
    entry: 'tasks/validate-registration.ts',
    description: 'Registration: load and validate the stored request, add the settings',
    timeoutSeconds: 10,
    access: { table: 'read' },
  },
  {
    name: 'reserve-member',
    workflow: 'registration',
    entry: 'tasks/reserve-member.ts',
    description: 'Registration: reserve the member id and email address in one transaction',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'record-consent',
    workflow: 'registration',
    entry: 'tasks/record-consent.ts',
    description: 'Registration: record the consent choices in the ledger',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'send-verification-email',
    workflow: 'registration',
    entry: 'tasks/send-verification-email.ts',
    description: 'Registration: store the task token and email the verification link',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
  {
    name: 'activate-member',
    workflow: 'registration',
    entry: 'tasks/activate-member.ts',
    description: 'Registration: activate the member and claim their anonymous submissions',
    timeoutSeconds: 30,
    access: { table: 'readwrite' },
  },
  {
    name: 'send-welcome-email',
    workflow: 'registration',
    entry: 'tasks/send-welcome-email.ts',
    description: 'Registration: welcome the new member, once',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
  {
    name: 'release-registration',
    workflow: 'registration',
    entry: 'tasks/release-registration.ts',
    description: 'Registration: free the id and address of an expired or failed registration',
    timeoutSeconds: 30,
    access: { table: 'readwrite' },
  },
  // First-email relay (statemachines/first-email-relay.asl.json)
  {
    name: 'load-relay-request',
    workflow: 'first-email-relay',
    entry: 'tasks/load-relay-request.ts',
    description: 'Relay: load the request and the settings',
    timeoutSeconds: 10,
    access: { table: 'read' },
  },
  {
    name: 'send-student-confirmation',
    workflow: 'first-email-relay',
    entry: 'tasks/send-student-confirmation.ts',
    description: 'Relay: store the task token and email the student a confirmation link',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
  {
    name: 'check-relay-consent',
    workflow: 'first-email-relay',
    entry: 'tasks/check-relay-consent.ts',
    description: "Relay: check the recipient's consent and blocks at the moment of sending",
    timeoutSeconds: 10,
    access: { table: 'read' },
  },
  {
    name: 'reserve-relay-quota',
    workflow: 'first-email-relay',
    entry: 'tasks/reserve-relay-quota.ts',
    description: 'Relay: reserve the sender, recipient and pair limits in one transaction',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'send-relayed-email',
    workflow: 'first-email-relay',
    entry: 'tasks/send-relayed-email.ts',
    description: 'Relay: send the one relayed email, Reply-To the sender',
    timeoutSeconds: 30,
    access: { table: 'readwrite', sendEmail: true },
  },
  {
    name: 'notify-relay-sender',
    workflow: 'first-email-relay',
    entry: 'tasks/notify-relay-sender.ts',
    description: "Relay: tell the sender how it ended, revealing nothing of the recipient's address",
    timeoutSeconds: 20,
    access: { table: 'read', sendEmail: true },
  },
  {
    name: 'close-relay',
    workflow: 'first-email-relay',
    entry: 'tasks/close-relay.ts',
    description: 'Relay: record the outcome and remove the message and addresses',
    timeoutSeconds: 10,
    access: { table: 'readwrite' },
  },
  {
    name: 'release-relay-quota',
    workflow: 'first-email-relay',
    entry: 'tasks/release-relay-quota.ts',
    description: 'Relay: give back the limits of a request that could not be sent',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  // Submission review (statemachines/submission-review.asl.json)
  {
    name: 'store-submission',
    workflow: 'submission-review',
    entry: 'tasks/store-submission.ts',
    description:
      "Submission review: validate the stored submission and put it in its site's moderation queue",
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'request-decision',
    workflow: 'submission-review',
    entry: 'tasks/request-decision.ts',
    description:
      "Submission review: store the round's task token and email the moderators (reminders escalate)",
    timeoutSeconds: 60,
    access: { table: 'readwrite', sendEmail: true, workflowCallbacks: true },
  },
  {
    name: 'settle-submission',
    workflow: 'submission-review',
    entry: 'tasks/settle-submission.ts',
    description: 'Submission review: give the submission the final status its decision (or expiry) calls for',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'notify-submitter',
    workflow: 'submission-review',
    entry: 'tasks/notify-submitter.ts',
    description: 'Submission review: email the submitter the outcome, once, if an address is known',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
  // Staff invitation (statemachines/staff-invitation.asl.json)
  {
    name: 'load-staff-invitation',
    workflow: 'staff-invitation',
    entry: 'tasks/load-staff-invitation.ts',
    description: 'Staff invitation: check the invitation is pending for this execution, add the settings',
    timeoutSeconds: 10,
    access: { table: 'read' },
  },
  {
    name: 'send-staff-invitation',
    workflow: 'staff-invitation',
    entry: 'tasks/send-staff-invitation.ts',
    description: 'Staff invitation: store the task token and email the invitation link',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
  {
    name: 'activate-staff',
    workflow: 'staff-invitation',
    entry: 'tasks/activate-staff.ts',
    description: 'Staff invitation: activate the accepted staff user (and count a network admin)',
    timeoutSeconds: 15,
    access: { table: 'readwrite' },
  },
  {
    name: 'expire-staff-invitation',
    workflow: 'staff-invitation',
    entry: 'tasks/expire-staff-invitation.ts',
    description: 'Staff invitation: remove an invitation that expired or failed',
    timeoutSeconds: 30,
    access: { table: 'readwrite' },
  },
  // Staff sign-in (statemachines/staff-sign-in.asl.json)
  {
    name: 'send-staff-sign-in-link',
    workflow: 'staff-sign-in',
    entry: 'tasks/send-staff-sign-in-link.ts',
    description: 'Staff sign-in: look the address up and email an active staff user a sign-in link',
    timeoutSeconds: 20,
    access: { table: 'readwrite', sendEmail: true },
  },
];

/** `send-verification-email` → `SendVerificationEmailFunctionArn`, the substitution key used in the ASL files. */
export function functionArnSubstitution(name: string): string {
  const pascal = name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}FunctionArn`;
}
