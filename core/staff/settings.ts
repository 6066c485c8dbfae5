/** Staff settings, from the environment of the API and the task Lambdas (`npm start` uses these defaults). */
export const DEFAULT_STAFF_INVITATION_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** How long an invitation waits for acceptance (`STAFF_INVITATION_TIMEOUT_SECONDS`, default 7 days, at least 60). */
export function staffInvitationTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.STAFF_INVITATION_TIMEOUT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_STAFF_INVITATION_TIMEOUT_SECONDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 60) {
    throw new Error('STAFF_INVITATION_TIMEOUT_SECONDS must be an integer number of seconds, at least 60');
  }
  return value;
}
