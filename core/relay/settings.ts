/** Relay settings from the environment (CDK sets them in AWS; `npm start` uses the defaults): see core/settings.ts. */
import { settings } from '../settings.js';

export interface RelaySettings {
  /** Address domains of current students, e.g. `students.example.ac.uk` (`STUDENT_EMAIL_DOMAINS`). */
  studentEmailDomains: string[];
  /** How long a student's confirmation link waits (`STUDENT_VERIFICATION_TIMEOUT_SECONDS`). */
  studentVerificationTimeoutSeconds: number;
  /** First emails one sender may send per UTC day (`RELAY_SENDER_DAILY_LIMIT`). */
  senderDailyLimit: number;
  /** First emails one member may receive per UTC day (`RELAY_RECIPIENT_DAILY_LIMIT`). */
  recipientDailyLimit: number;
  /** Contact requests (so confirmation emails) one student address may make per UTC day. */
  studentDailyRequestLimit: number;
  /** How long a relay record (ids, times, outcome; no addresses or text) is kept (`RELAY_RETENTION_DAYS`). */
  retentionDays: number;
}

export function relaySettings(env: NodeJS.ProcessEnv = process.env): RelaySettings {
  return {
    studentEmailDomains: settings.studentEmailDomains.read(env),
    studentVerificationTimeoutSeconds: settings.studentVerificationTimeoutSeconds.read(env),
    senderDailyLimit: settings.relaySenderDailyLimit.read(env),
    recipientDailyLimit: settings.relayRecipientDailyLimit.read(env),
    studentDailyRequestLimit: settings.relayStudentDailyRequestLimit.read(env),
    retentionDays: settings.relayRetentionDays.read(env),
  };
}

/** `alice@students.example.ac.uk` is a student address when its domain (or a parent domain) is configured. */
export function isStudentAddress(email: string, domains: readonly string[]): boolean {
  const domain = email.trim().toLowerCase().split('@')[1] ?? '';
  return domains.some((allowed) => domain === allowed || domain.endsWith(`.${allowed}`));
}
