import { settings } from './settings.js';

/** The local runtime's stand-in account, and the defaults of its settings (core/settings.ts). */
export const localDefaults = {
  region: 'us-east-1',
  accountId: '000000000000',
  tableName: settings.tableName.default,
  emailSender: settings.senderEmail.default,
} as const;

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** `submission-review` → `SUBMISSION_REVIEW_STATE_MACHINE_ARN`: where the API finds each workflow's ARN. */
export function stateMachineArnVariable(workflowName: string): string {
  return `${workflowName.toUpperCase().replace(/-/g, '_')}_STATE_MACHINE_ARN`;
}
