/** Submission review settings from the environment (CDK sets them in AWS; `npm start` uses these defaults). */
import { configuredSites } from '../staff/model.js';

export interface SubmissionSettings {
  /** How long each round waits for a moderator (`SUBMISSION_DECISION_TIMEOUT_SECONDS`, default 3 days). */
  decisionTimeoutSeconds: number;
  /** Reminder rounds after the first wait before the submission expires (`SUBMISSION_REMINDER_ROUNDS`, default 2). */
  reminderRounds: number;
  /** How long a moderator's claim keeps others from deciding (`MODERATION_CLAIM_SECONDS`, default 30 minutes). */
  claimSeconds: number;
  /** The site of a submission that names none (`SUBMISSION_DEFAULT_SITE`, default the first of SITES). */
  defaultSite: string;
  /** Review emails (first notices, reminders, escalations) one staff user gets per UTC day (`MODERATION_NOTICES_PER_DAY`, 20). */
  moderationNoticesPerDay: number;
  /** Anonymous submissions one site takes per UTC day, 429 beyond (`ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY`, 100). */
  anonymousSubmissionsPerSitePerDay: number;
}

export function submissionSettings(env: NodeJS.ProcessEnv = process.env): SubmissionSettings {
  const sites = configuredSites(env);
  const defaultSite = (env.SUBMISSION_DEFAULT_SITE ?? '').trim().toLowerCase() || sites[0] || '';
  if (!sites.includes(defaultSite)) {
    throw new Error('SUBMISSION_DEFAULT_SITE must be one of SITES');
  }
  return {
    decisionTimeoutSeconds: integer(
      env,
      'SUBMISSION_DECISION_TIMEOUT_SECONDS',
      3 * 24 * 3600,
      60,
      365 * 24 * 3600,
    ),
    reminderRounds: integer(env, 'SUBMISSION_REMINDER_ROUNDS', 2, 0, 10),
    claimSeconds: integer(env, 'MODERATION_CLAIM_SECONDS', 30 * 60, 60, 24 * 3600),
    defaultSite,
    moderationNoticesPerDay: integer(env, 'MODERATION_NOTICES_PER_DAY', 20, 1, 10_000),
    anonymousSubmissionsPerSitePerDay: integer(
      env,
      'ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY',
      100,
      1,
      100_000,
    ),
  };
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  minimum: number,
  maximum: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new Error(`${name} must be an integer from ${minimum} to ${maximum}`);
  }
  return value;
}
