/** Relay settings from the environment (CDK sets them in AWS; `npm start` uses these defaults). */
export interface RelaySettings {
  /** Address domains of current students, e.g. `students.example.ac.uk` (`STUDENT_EMAIL_DOMAINS`, comma-separated). */
  studentEmailDomains: string[];
  /** How long a student's confirmation link waits (`STUDENT_VERIFICATION_TIMEOUT_SECONDS`, default 24 h). */
  studentVerificationTimeoutSeconds: number;
  /** First emails one sender may send per UTC day (`RELAY_SENDER_DAILY_LIMIT`, default 5). */
  senderDailyLimit: number;
  /** First emails one member may receive per UTC day (`RELAY_RECIPIENT_DAILY_LIMIT`, default 3). */
  recipientDailyLimit: number;
  /** Contact requests (so confirmation emails) one student address may make per UTC day (`RELAY_STUDENT_DAILY_REQUEST_LIMIT`, 3). */
  studentDailyRequestLimit: number;
  /** How long a relay record (ids, times, outcome; no addresses or text) is kept (`RELAY_RETENTION_DAYS`, 180). */
  retentionDays: number;
}

export function relaySettings(env: NodeJS.ProcessEnv = process.env): RelaySettings {
  return {
    studentEmailDomains: (env.STUDENT_EMAIL_DOMAINS ?? 'students.localhost')
      .split(',')
      .map((domain) => domain.trim().toLowerCase())
      .filter((domain) => domain.length > 0),
    studentVerificationTimeoutSeconds: integer(env, 'STUDENT_VERIFICATION_TIMEOUT_SECONDS', 24 * 3600, 60),
    senderDailyLimit: integer(env, 'RELAY_SENDER_DAILY_LIMIT', 5, 1),
    recipientDailyLimit: integer(env, 'RELAY_RECIPIENT_DAILY_LIMIT', 3, 1),
    studentDailyRequestLimit: integer(env, 'RELAY_STUDENT_DAILY_REQUEST_LIMIT', 3, 1),
    retentionDays: integer(env, 'RELAY_RETENTION_DAYS', 180, 1),
  };
}

/** `alice@students.example.ac.uk` is a student address when its domain (or a parent domain) is configured. */
export function isStudentAddress(email: string, domains: readonly string[]): boolean {
  const domain = email.trim().toLowerCase().split('@')[1] ?? '';
  return domains.some((allowed) => domain === allowed || domain.endsWith(`.${allowed}`));
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`${name} must be an integer of at least ${minimum}`);
  }
  return value;
}
