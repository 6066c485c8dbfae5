/** Staff settings, from the environment of the API and the task Lambdas: see core/settings.ts. */
import { settings } from '../settings.js';

export const DEFAULT_STAFF_INVITATION_TIMEOUT_SECONDS = settings.staffInvitationTimeoutSeconds.default;

/** How long an invitation waits for acceptance (`STAFF_INVITATION_TIMEOUT_SECONDS`). */
export function staffInvitationTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  return settings.staffInvitationTimeoutSeconds.read(env);
}
