/** Submission review settings from the environment (CDK sets them in AWS; `npm start` uses the defaults): see core/settings.ts. */
import { InvalidSettingError, settings } from '../settings.js';

export interface SubmissionSettings {
  /** How long each round waits for a moderator (`SUBMISSION_DECISION_TIMEOUT_SECONDS`). */
  decisionTimeoutSeconds: number;
  /** Reminder rounds after the first wait before the submission expires (`SUBMISSION_REMINDER_ROUNDS`). */
  reminderRounds: number;
  /** How long a moderator's claim keeps others from deciding (`MODERATION_CLAIM_SECONDS`). */
  claimSeconds: number;
  /** The site of a submission that names none (`SUBMISSION_DEFAULT_SITE`, default the first of SITES). */
  defaultSite: string;
  /** Review emails (first notices, reminders, escalations) one staff user gets per UTC day (`MODERATION_NOTICES_PER_DAY`). */
  moderationNoticesPerDay: number;
  /** Anonymous submissions one site takes per UTC day, 429 beyond (`ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY`). */
  anonymousSubmissionsPerSitePerDay: number;
}

export function submissionSettings(env: NodeJS.ProcessEnv = process.env): SubmissionSettings {
  const sites = settings.sites.read(env);
  const defaultSite = settings.submissionDefaultSite.read(env).trim().toLowerCase() || sites[0] || '';
  if (!sites.includes(defaultSite)) {
    throw new InvalidSettingError('SUBMISSION_DEFAULT_SITE must be one of SITES');
  }
  return {
    decisionTimeoutSeconds: settings.submissionDecisionTimeoutSeconds.read(env),
    reminderRounds: settings.submissionReminderRounds.read(env),
    claimSeconds: settings.moderationClaimSeconds.read(env),
    defaultSite,
    moderationNoticesPerDay: settings.moderationNoticesPerDay.read(env),
    anonymousSubmissionsPerSitePerDay: settings.anonymousSubmissionsPerSitePerDay.read(env),
  };
}
