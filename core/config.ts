/** Settings read from the environment, with the defaults the local runtime uses. */
export const localDefaults = {
  region: 'us-east-1',
  accountId: '000000000000',
  tableName: 'lumina-local',
  emailSender: 'no-reply@alumni.localhost',
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
