/** Registration settings, from the task Lambdas' environment (set by CDK, or by the local runtime). */
export const DEFAULT_VERIFICATION_TIMEOUT_SECONDS = 72 * 3600;

export function verificationTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VERIFICATION_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_VERIFICATION_TIMEOUT_SECONDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 60) {
    throw new Error('VERIFICATION_TIMEOUT_SECONDS must be an integer number of seconds, at least 60');
  }
  return value;
}

/**
 * "Someone tried to register with your email address" notices one address may get per UTC day
 * (`DUPLICATE_REGISTRATION_NOTICES_PER_DAY`, default 3): anyone can trigger one by registering a new id with it.
 */
export function duplicateNoticesPerDay(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DUPLICATE_REGISTRATION_NOTICES_PER_DAY;
  if (raw === undefined || raw === '') return 3;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new Error('DUPLICATE_REGISTRATION_NOTICES_PER_DAY must be an integer from 1 to 100');
  }
  return value;
}
