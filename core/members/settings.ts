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
