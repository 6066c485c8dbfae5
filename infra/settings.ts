/**
 * The deploy parameters: every CDK context value the app reads, its default and what it means. `infra/app.ts` turns
 * them into the stack's props, and the README's deploy section documents each one (a test checks it names them all).
 * The workflow settings' defaults are not restated here: they come from the functions that read them at run time.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { duplicateNoticesPerDay, verificationTimeoutSeconds } from '../core/members/settings.js';
import { relaySettings } from '../core/relay/settings.js';
import { configuredSites } from '../core/staff/model.js';
import { staffInvitationTimeoutSeconds } from '../core/staff/settings.js';
import { submissionSettings } from '../core/submissions/settings.js';

/** Settings of the workflows, passed to the API and every task Lambda as environment variables. */
export const workflowSettingVariables = {
  verificationTimeoutSeconds: 'VERIFICATION_TIMEOUT_SECONDS',
  studentVerificationTimeoutSeconds: 'STUDENT_VERIFICATION_TIMEOUT_SECONDS',
  studentEmailDomains: 'STUDENT_EMAIL_DOMAINS',
  relaySenderDailyLimit: 'RELAY_SENDER_DAILY_LIMIT',
  relayRecipientDailyLimit: 'RELAY_RECIPIENT_DAILY_LIMIT',
  relayRetentionDays: 'RELAY_RETENTION_DAYS',
  relayStudentDailyRequestLimit: 'RELAY_STUDENT_DAILY_REQUEST_LIMIT',
  staffInvitationTimeoutSeconds: 'STAFF_INVITATION_TIMEOUT_SECONDS',
  sites: 'SITES',
  submissionDecisionTimeoutSeconds: 'SUBMISSION_DECISION_TIMEOUT_SECONDS',
  submissionReminderRounds: 'SUBMISSION_REMINDER_ROUNDS',
  moderationClaimSeconds: 'MODERATION_CLAIM_SECONDS',
  submissionDefaultSite: 'SUBMISSION_DEFAULT_SITE',
  registrationNoticesPerDay: 'DUPLICATE_REGISTRATION_NOTICES_PER_DAY',
  moderationNoticesPerDay: 'MODERATION_NOTICES_PER_DAY',
  anonymousSubmissionsPerSitePerDay: 'ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY',
} as const;

export type WorkflowSettingName = keyof typeof workflowSettingVariables;
export type WorkflowSettings = Partial<Record<WorkflowSettingName, string>>;

/** The defaults the code applies when a variable is unset, read from that code (`npm start` uses the same). */
export function workflowSettingDefaults(): Record<WorkflowSettingName, string> {
  const relay = relaySettings({});
  const submission = submissionSettings({});
  return {
    verificationTimeoutSeconds: String(verificationTimeoutSeconds({})),
    studentVerificationTimeoutSeconds: String(relay.studentVerificationTimeoutSeconds),
    studentEmailDomains: relay.studentEmailDomains.join(','),
    relaySenderDailyLimit: String(relay.senderDailyLimit),
    relayRecipientDailyLimit: String(relay.recipientDailyLimit),
    relayRetentionDays: String(relay.retentionDays),
    relayStudentDailyRequestLimit: String(relay.studentDailyRequestLimit),
    staffInvitationTimeoutSeconds: String(staffInvitationTimeoutSeconds({})),
    sites: configuredSites({}).join(','),
    submissionDecisionTimeoutSeconds: String(submission.decisionTimeoutSeconds),
    submissionReminderRounds: String(submission.reminderRounds),
    moderationClaimSeconds: String(submission.claimSeconds),
    submissionDefaultSite: submission.defaultSite,
    registrationNoticesPerDay: String(duplicateNoticesPerDay({})),
    moderationNoticesPerDay: String(submission.moderationNoticesPerDay),
    anonymousSubmissionsPerSitePerDay: String(submission.anonymousSubmissionsPerSitePerDay),
  };
}

/**
 * The environment variables for `settings` (defaults filled in), validated by the same functions that read them at
 * run time, so a bad value fails the synth rather than the first execution.
 */
export function workflowSettingsEnvironment(settings: WorkflowSettings = {}): Record<string, string> {
  const defaults = workflowSettingDefaults();
  const env: Record<string, string> = {};
  for (const [name, variable] of Object.entries(workflowSettingVariables) as [
    WorkflowSettingName,
    string,
  ][]) {
    env[variable] = settings[name] ?? defaults[name];
  }
  verificationTimeoutSeconds(env);
  duplicateNoticesPerDay(env);
  relaySettings(env);
  staffInvitationTimeoutSeconds(env);
  submissionSettings(env);
  return env;
}

export interface DeployParameter {
  name: string;
  /** The default as the README shows it. */
  defaultText: string;
  meaning: string;
}

const workflowSettingMeanings: Record<WorkflowSettingName, string> = {
  verificationTimeoutSeconds: 'how long a registration waits for its emailed link (seconds, at least 60)',
  studentVerificationTimeoutSeconds:
    "how long a student's relay request waits for its confirmation link (seconds)",
  studentEmailDomains: 'comma-separated address domains of current students (subdomains included)',
  relaySenderDailyLimit: 'first emails one sender may send per UTC day',
  relayRecipientDailyLimit: 'first emails one member may receive per UTC day',
  relayRetentionDays: 'days a relay record (ids, times, outcome) is kept',
  relayStudentDailyRequestLimit:
    'contact requests (each emails a confirmation link) one student address may make per UTC day',
  staffInvitationTimeoutSeconds: 'how long a staff invitation waits to be accepted (seconds, at least 60)',
  sites: 'comma-separated sites (areas) that staff permissions and submissions belong to',
  submissionDecisionTimeoutSeconds:
    'how long each review round waits for a moderator before reminding and escalating (seconds, at least 60)',
  submissionReminderRounds:
    'reminder rounds after the first wait before an undecided submission expires (0-10)',
  moderationClaimSeconds: "how long a moderator's claim keeps others from deciding a submission (seconds)",
  submissionDefaultSite: 'the site of a submission that names none (one of `sites`; default the first)',
  registrationNoticesPerDay:
    '"someone tried to register with your address" emails one address may get per UTC day (1-100)',
  moderationNoticesPerDay:
    'review emails (notices, reminders, escalations) one staff user may get per UTC day; the queue shows the rest',
  anonymousSubmissionsPerSitePerDay: 'anonymous submissions one site takes per UTC day (429 beyond)',
};

/** Every context parameter of the app, in the order the README lists them. */
export function deployParameters(): DeployParameter[] {
  const defaults = workflowSettingDefaults();
  return [
    {
      name: 'stackName',
      defaultText: '`Lumina`',
      meaning: 'the stack, and the prefix of every state machine name',
    },
    {
      name: 'senderEmail',
      defaultText: 'none (synth uses an example)',
      meaning: 'the From address of every email',
    },
    {
      name: 'siteUrl',
      defaultText: 'none (synth uses an example)',
      meaning: 'base of emailed sign-in links (`<siteUrl>/auth?token=...`); the public alumni site',
    },
    {
      name: 'siteOrigins',
      defaultText: "`siteUrl`'s origin",
      meaning:
        'comma-separated origins allowed by CORS (the alumni sites that call the API; `SITE_ORIGINS` for `npm start`)',
    },
    {
      name: 'sesIdentity',
      defaultText: '`senderEmail`',
      meaning: 'the SES identity the stack creates: `senderEmail` itself, or its domain (or a parent domain)',
    },
    {
      name: 'sesIdentityExists',
      defaultText: '`false`',
      meaning: '`true`: the identity already exists in the account; the stack uses it and does not create it',
    },
    {
      name: 'publicApiUrl',
      defaultText: "the API's `execute-api` URL",
      meaning: "the API's public URL (a custom domain), base of emailed relay confirmation and report links",
    },
    ...(Object.keys(workflowSettingVariables) as WorkflowSettingName[]).map((name) => ({
      name,
      defaultText: `\`${defaults[name]}\``,
      meaning: `${workflowSettingMeanings[name]} (\`${workflowSettingVariables[name]}\`)`,
    })),
    {
      name: 'apiRateLimit',
      defaultText: '`50`',
      meaning: 'API Gateway steady-state request rate for the whole API (requests per second)',
    },
    { name: 'apiBurstLimit', defaultText: '`100`', meaning: 'API Gateway burst limit (requests)' },
    {
      name: 'logRetentionDays',
      defaultText: '`30`',
      meaning: 'retention of every log group (functions, workflows, API access log); a CloudWatch Logs value',
    },
    { name: 'logLevel', defaultText: '`INFO`', meaning: 'Powertools log level of the API and the tasks' },
    { name: 'alarmEmail', defaultText: 'none', meaning: 'an address subscribed to the alarm topic' },
    {
      name: 'errorAlarmThreshold',
      defaultText: '`5`',
      meaning: 'Lambda errors of one function, or API 5xx responses, in 5 minutes that raise an alarm',
    },
    {
      name: 'failedExecutionsAlarmThreshold',
      defaultText: '`5`',
      meaning:
        'failed executions of one workflow in an hour that raise an alarm (refused registrations, e.g. an id already taken, fail too)',
    },
  ];
}

export const defaultApiThrottle = { rateLimit: 50, burstLimit: 100 } as const;
export const defaultAlarmThresholds = { errors: 5, failedExecutions: 5 } as const;
export const defaultLogLevel = 'INFO';
export const defaultLogRetention = RetentionDays.ONE_MONTH;

/** A CloudWatch Logs retention in days, refusing values CloudWatch does not offer. */
export function retentionFromDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`logRetentionDays must be one of ${allowed.sort((a, b) => a - b).join(', ')}`);
  }
  return days as RetentionDays;
}
