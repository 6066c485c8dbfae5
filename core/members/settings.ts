/** Registration settings, from the task Lambdas' environment (set by CDK, or by the local runtime): see core/settings.ts. */
import { settings } from '../settings.js';

export const DEFAULT_VERIFICATION_TIMEOUT_SECONDS = settings.verificationTimeoutSeconds.default;

/** How long a registration waits for its emailed link (`VERIFICATION_TIMEOUT_SECONDS`). */
export function verificationTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return settings.verificationTimeoutSeconds.read(env);
}

/** "Someone tried to register with your email address" notices one address may get per UTC day. */
export function duplicateNoticesPerDay(env: NodeJS.ProcessEnv = process.env): number {
  return settings.registrationNoticesPerDay.read(env);
}
