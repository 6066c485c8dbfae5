/**
 * Every setting of the system, in one place: its environment variable, whether it is a CDK deploy parameter (the
 * key is then the context name: `cdk deploy -c <key>=...`), its type and bounds, its default and what it means.
 *
 * Read by the runtime (the domain `settings.ts` files are one-liners over `settings.<key>.read(env)`), by the CDK
 * app's context parameters (`infra/settings.ts`, `infra/app.ts`), by `npm start` (`infra/local/settings.ts`) and by
 * the reference docs (`npm run docs` writes `docs/reference/settings.md` from this list). Add a setting here, not in
 * the module that reads it, and regenerate the docs.
 *
 * Groups:
 * - `workflow`: read by the API and the task Lambdas; a deploy parameter the stack passes to every function.
 * - `runtime`: read by the API and the tasks, set by the stack from other parameters (or not at all).
 * - `local`: read by `npm start` only.
 * - `deploy`: a deploy parameter the stack itself uses (no variable at run time).
 */
import { InvalidOriginError, parseOrigins } from './cors.js';

/** A setting that cannot work; `npm start` prints the message as one line, a synth fails with it. */
export class InvalidSettingError extends Error {
  override name = 'InvalidSettingError';
}

export type SettingGroup = 'workflow' | 'runtime' | 'local' | 'deploy';
export type SettingKind = 'integer' | 'number' | 'port' | 'text' | 'list' | 'boolean' | 'origins';

export interface Setting<T> {
  readonly group: SettingGroup;
  readonly kind: SettingKind;
  /** The environment variable the code reads; none for a deploy-only parameter. */
  readonly variable: string | undefined;
  /** True: a CDK context parameter of the same name as the setting's key. */
  readonly deploy: boolean;
  readonly default: T;
  /** The default as the docs show it (for `npm start` and the runtime). */
  readonly defaultText: string;
  /** The default of the deploy parameter, when it is not `defaultText` (e.g. derived from another parameter). */
  readonly deployDefaultText: string | undefined;
  /** The values it takes, in words (`60 or more`, `1 to 100`), when bounded. */
  readonly bounds: string | undefined;
  readonly meaning: string;
  /** The value of `raw` (unset: `undefined`); `label` names it in the error (the variable unless told). */
  parse(raw: string | undefined, label?: string): T;
  /** The value of the setting's variable in `env`. */
  read(env?: NodeJS.ProcessEnv): T;
}

interface Common<G extends SettingGroup, V extends string | undefined> {
  group: G;
  variable?: V;
  deploy?: boolean;
  meaning: string;
  defaultText?: string;
  deployDefaultText?: string;
}

interface NumberRule {
  integer: boolean;
  min: number;
  /** True: `min` itself is refused (a positive number). */
  minExclusive?: boolean;
  max?: number;
  /** The rule in words, for the error and the docs; written from the bounds unless given. */
  words?: string;
}

function ruleWords(rule: NumberRule): string {
  if (rule.words) return rule.words;
  if (!rule.integer)
    return rule.minExclusive ? `a number above ${rule.min}` : `a number of at least ${rule.min}`;
  const kind = rule.min === 1 ? 'a positive integer' : `an integer of at least ${rule.min}`;
  return rule.max === undefined ? kind : `${kind} and at most ${rule.max}`;
}

/**
 * The one parser of numeric settings (integers, ports, positive numbers), from the environment or a CDK context
 * value: unset or empty is the fallback; anything else must be a number within the rule.
 */
export function parseNumberSetting(
  raw: string | undefined,
  fallback: number,
  rule: NumberRule,
  label: string,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  const valid =
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minExclusive ? value > rule.min : value >= rule.min) &&
    (rule.max === undefined || value <= rule.max);
  if (!valid) throw new InvalidSettingError(`${label} must be ${ruleWords(rule)}, not '${raw}'`);
  return value;
}

function define<T, G extends SettingGroup, V extends string | undefined>(
  common: Common<G, V>,
  kind: SettingKind,
  fallback: T,
  defaultText: string,
  bounds: string | undefined,
  parse: (raw: string | undefined, label: string) => T,
): Setting<T> & { group: G; variable: V } {
  const variable = common.variable as V;
  return {
    group: common.group,
    kind,
    variable,
    deploy: common.deploy ?? false,
    default: fallback,
    defaultText: common.defaultText ?? defaultText,
    deployDefaultText: common.deployDefaultText,
    bounds,
    meaning: common.meaning,
    parse: (raw, label) => parse(raw, label ?? variable ?? 'setting'),
    read(env = process.env) {
      if (variable === undefined)
        throw new Error(`${common.meaning}: this setting has no environment variable`);
      return parse(env[variable], variable);
    },
  };
}

/** `259200` → `72 h`; `1800` → `30 min`; `604800` → `7 days`. */
function duration(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 2 * 86400) return `${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function integer<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: number; min: number; max?: number; seconds?: boolean },
) {
  const rule: NumberRule = { integer: true, min: spec.min, max: spec.max };
  const text = `\`${spec.default}\`${spec.seconds && spec.default >= 60 ? ` (${duration(spec.default)})` : ''}`;
  const bounds = spec.max === undefined ? `${spec.min} or more` : `${spec.min} to ${spec.max}`;
  return define(spec, 'integer', spec.default, text, bounds, (raw, label) =>
    parseNumberSetting(raw, spec.default, rule, label),
  );
}

function positiveNumber<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: number },
) {
  const rule: NumberRule = { integer: false, min: 0, minExclusive: true, words: 'a positive number' };
  return define(spec, 'number', spec.default, `\`${spec.default}\``, 'above 0', (raw, label) =>
    parseNumberSetting(raw, spec.default, rule, label),
  );
}

function port<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: number },
) {
  const rule: NumberRule = { integer: true, min: 1, max: 65535, words: 'a port number between 1 and 65535' };
  return define(spec, 'port', spec.default, `\`${spec.default}\``, '1 to 65535', (raw, label) =>
    parseNumberSetting(raw, spec.default, rule, label),
  );
}

/** Text; unset or blank is the default. */
function text<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: string },
): Setting<string> & { group: G; variable: V };
function text<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default?: undefined },
): Setting<string | undefined> & { group: G; variable: V };
function text<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default?: string },
) {
  return define(
    spec,
    'text',
    spec.default,
    spec.default === undefined ? 'none' : `\`${spec.default}\``,
    undefined,
    (raw) => (raw === undefined || raw.trim() === '' ? spec.default : raw),
  );
}

/**
 * A comma-separated list, trimmed and lower-cased; items not matching `pattern` are left out. Unset is the default;
 * set but empty is an empty list.
 */
function list<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: string; pattern?: RegExp },
) {
  const parse = (raw: string | undefined) =>
    (raw ?? spec.default)
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter((item) => item.length > 0 && (spec.pattern === undefined || spec.pattern.test(item)));
  return define(spec, 'list', parse(undefined), `\`${spec.default}\``, undefined, parse);
}

function boolean<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { default: boolean },
) {
  return define(spec, 'boolean', spec.default, `\`${spec.default}\``, '`true` or `false`', (raw, label) => {
    if (raw === undefined || raw === '') return spec.default;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new InvalidSettingError(`${label} must be true or false, not '${raw}'`);
  });
}

/** Comma-separated browser origins (`core/cors.ts`), checked and kept as written; unset or blank: undefined. */
function origins<G extends SettingGroup, V extends string | undefined>(
  spec: Common<G, V> & { defaultText: string },
) {
  return define<string | undefined, G, V>(
    spec,
    'origins',
    undefined,
    spec.defaultText,
    undefined,
    (raw, label) => {
      if (raw === undefined || raw.trim() === '') return undefined;
      try {
        parseOrigins(raw, label);
      } catch (error) {
        if (error instanceof InvalidOriginError) throw new InvalidSettingError(error.message);
        throw error;
      }
      return raw;
    },
  );
}

const DAY = 24 * 3600;

/** Every setting, in the order the docs list them. */
export const settings = {
  // The stack and its addresses.
  stackName: text({
    group: 'deploy',
    deploy: true,
    default: 'Lumina',
    meaning: 'the stack, and the prefix of every state machine name (`<stackName>-<workflow>`)',
  }),
  senderEmail: text({
    group: 'runtime',
    variable: 'EMAIL_SENDER',
    deploy: true,
    default: 'no-reply@alumni.localhost',
    defaultText: '`no-reply@alumni.localhost` for `npm start`; required at run time',
    deployDefaultText: 'none (synth uses an example)',
    meaning: 'the From address of every email',
  }),
  siteUrl: text({
    group: 'runtime',
    variable: 'SITE_URL',
    deploy: true,
    defaultText: "the local API's URL",
    deployDefaultText: 'none (synth uses an example)',
    meaning: 'the public alumni site: base of emailed sign-in links (`<siteUrl>/auth?token=...`)',
  }),
  siteOrigins: origins({
    group: 'local',
    variable: 'SITE_ORIGINS',
    deploy: true,
    defaultText: "`http://localhost:3000` and `SITE_URL`'s origin",
    deployDefaultText: "`siteUrl`'s origin",
    meaning:
      'comma-separated browser origins allowed by CORS (the alumni sites that call the API), each exact, like `http://localhost:5173`',
  }),
  sesIdentity: text({
    group: 'deploy',
    deploy: true,
    defaultText: '`senderEmail`',
    meaning: 'the SES identity the stack creates: `senderEmail` itself, or its domain (or a parent domain)',
  }),
  sesIdentityExists: boolean({
    group: 'deploy',
    deploy: true,
    default: false,
    meaning: '`true`: the identity already exists in the account; the stack uses it and does not create it',
  }),
  publicApiUrl: text({
    group: 'runtime',
    variable: 'PUBLIC_API_URL',
    deploy: true,
    defaultText: "the local API's URL",
    deployDefaultText: "the API's `execute-api` URL",
    meaning:
      "the API's public URL (set it when a custom domain fronts the API): base of emailed relay confirmation and report links (`<publicApiUrl>/contact/confirm?token=...`, `/report`), invitations and the moderation page",
  }),

  // The workflows' settings: the API and every task Lambda get them as environment variables.
  verificationTimeoutSeconds: integer({
    group: 'workflow',
    variable: 'VERIFICATION_TIMEOUT_SECONDS',
    deploy: true,
    default: 72 * 3600,
    min: 60,
    seconds: true,
    meaning: 'how long a registration waits for its emailed link, in seconds',
  }),
  studentVerificationTimeoutSeconds: integer({
    group: 'workflow',
    variable: 'STUDENT_VERIFICATION_TIMEOUT_SECONDS',
    deploy: true,
    default: DAY,
    min: 60,
    seconds: true,
    meaning: "how long a student's relay request waits for its confirmation link, in seconds",
  }),
  studentEmailDomains: list({
    group: 'workflow',
    variable: 'STUDENT_EMAIL_DOMAINS',
    deploy: true,
    default: 'students.localhost',
    meaning: 'comma-separated address domains of current students, subdomains included',
  }),
  relaySenderDailyLimit: integer({
    group: 'workflow',
    variable: 'RELAY_SENDER_DAILY_LIMIT',
    deploy: true,
    default: 5,
    min: 1,
    meaning: 'first emails one sender may send per UTC day',
  }),
  relayRecipientDailyLimit: integer({
    group: 'workflow',
    variable: 'RELAY_RECIPIENT_DAILY_LIMIT',
    deploy: true,
    default: 3,
    min: 1,
    meaning: 'first emails one member may receive per UTC day',
  }),
  relayRetentionDays: integer({
    group: 'workflow',
    variable: 'RELAY_RETENTION_DAYS',
    deploy: true,
    default: 180,
    min: 1,
    meaning: 'days a relay record (ids, times, outcome; no addresses or text) is kept',
  }),
  relayStudentDailyRequestLimit: integer({
    group: 'workflow',
    variable: 'RELAY_STUDENT_DAILY_REQUEST_LIMIT',
    deploy: true,
    default: 3,
    min: 1,
    meaning: 'contact requests one student address may make per UTC day; each emails it a confirmation link',
  }),
  staffInvitationTimeoutSeconds: integer({
    group: 'workflow',
    variable: 'STAFF_INVITATION_TIMEOUT_SECONDS',
    deploy: true,
    default: 7 * DAY,
    min: 60,
    seconds: true,
    meaning: 'how long a staff invitation waits to be accepted, in seconds',
  }),
  sites: list({
    group: 'workflow',
    variable: 'SITES',
    deploy: true,
    default: 'history,alumni',
    pattern: /^[a-z0-9-]{1,40}$/,
    meaning:
      'comma-separated sites (areas) that staff permissions and submissions belong to (`a-z`, `0-9`, `-`; others are left out)',
  }),
  submissionDecisionTimeoutSeconds: integer({
    group: 'workflow',
    variable: 'SUBMISSION_DECISION_TIMEOUT_SECONDS',
    deploy: true,
    default: 3 * DAY,
    min: 60,
    max: 365 * DAY,
    seconds: true,
    meaning: 'how long each review round waits for a moderator before reminding and escalating, in seconds',
  }),
  submissionReminderRounds: integer({
    group: 'workflow',
    variable: 'SUBMISSION_REMINDER_ROUNDS',
    deploy: true,
    default: 2,
    min: 0,
    max: 10,
    meaning: 'reminder rounds after the first wait before an undecided submission expires',
  }),
  moderationClaimSeconds: integer({
    group: 'workflow',
    variable: 'MODERATION_CLAIM_SECONDS',
    deploy: true,
    default: 30 * 60,
    min: 60,
    max: DAY,
    seconds: true,
    meaning: "how long a moderator's claim keeps others from deciding a submission, in seconds",
  }),
  submissionDefaultSite: text({
    group: 'workflow',
    variable: 'SUBMISSION_DEFAULT_SITE',
    deploy: true,
    default: '',
    defaultText: 'the first of `sites` (`history`)',
    meaning: 'the site of a submission that names none; one of `sites`',
  }),
  registrationNoticesPerDay: integer({
    group: 'workflow',
    variable: 'DUPLICATE_REGISTRATION_NOTICES_PER_DAY',
    deploy: true,
    default: 3,
    min: 1,
    max: 100,
    meaning:
      '"someone tried to register with your address" emails one mailbox may get per UTC day (anyone can cause one by registering a new id with the address)',
  }),
  moderationNoticesPerDay: integer({
    group: 'workflow',
    variable: 'MODERATION_NOTICES_PER_DAY',
    deploy: true,
    default: 20,
    min: 1,
    max: 10_000,
    meaning:
      'review emails (notices, reminders, escalations) one staff user may get per UTC day; the moderation queue shows the rest',
  }),
  anonymousSubmissionsPerSitePerDay: integer({
    group: 'workflow',
    variable: 'ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY',
    deploy: true,
    default: 100,
    min: 1,
    max: 100_000,
    meaning: 'anonymous submissions one site takes per UTC day, 429 beyond',
  }),

  // Read at run time, not deploy parameters.
  signInEmailBurst: integer({
    group: 'runtime',
    variable: 'SIGN_IN_EMAIL_BURST',
    default: 3,
    min: 1,
    meaning: 'sign-in links emailed at once to one member or staff user (or one address, for registrations)',
  }),
  signInEmailIntervalSeconds: integer({
    group: 'runtime',
    variable: 'SIGN_IN_EMAIL_INTERVAL_SECONDS',
    default: 1800,
    min: 1,
    // Half the shortest link a sign-in email carries (1 hour), so the newest link in an inbox always still works.
    max: 1800,
    seconds: true,
    meaning:
      "then one more link every this many seconds; at most half a sign-in link's hour, so the newest link in the inbox still works (over the allowance nothing is sent; the answer is the same)",
  }),
  tableName: text({
    group: 'runtime',
    variable: 'TABLE_NAME',
    default: 'lumina-local',
    defaultText: '`lumina-local` for `npm start`; required at run time (the stack sets it)',
    meaning: 'the application table (the stack names the table it creates)',
  }),
  sessionSigningKey: text({
    group: 'runtime',
    variable: 'SESSION_SIGNING_KEY',
    meaning: 'the session signing key, a private EC P-256 JWK as JSON',
  }),
  sessionSigningKeyFile: text({
    group: 'runtime',
    variable: 'SESSION_SIGNING_KEY_FILE',
    defaultText: '`<LOCAL_DATA_DIR>/keys/session-signing-key.json` for `npm start`',
    meaning: 'a file holding the session signing key (`npm start` generates one on its first start)',
  }),
  sessionSigningKeySecretArn: text({
    group: 'runtime',
    variable: 'SESSION_SIGNING_KEY_SECRET_ARN',
    defaultText: "the stack's secret",
    meaning: 'the Secrets Manager secret holding the session signing key in AWS (read again every 5 minutes)',
  }),

  // npm start only.
  apiPort: port({
    group: 'local',
    variable: 'API_PORT',
    default: 8080,
    meaning: 'the HTTP API, on 127.0.0.1',
  }),
  dynamoDbPort: port({
    group: 'local',
    variable: 'DYNAMODB_PORT',
    default: 8000,
    meaning: 'DynamoDB Local, on 127.0.0.1 (`AWS_ENDPOINT_URL_DYNAMODB`)',
  }),
  sesPort: port({
    group: 'local',
    variable: 'SES_PORT',
    default: 8005,
    meaning: 'the SES emulator and its inbox, on 127.0.0.1',
  }),
  sfnPort: port({
    group: 'local',
    variable: 'SFN_PORT',
    default: 8083,
    meaning: 'the Step Functions endpoint, on 127.0.0.1 (`AWS_ENDPOINT_URL_SFN`)',
  }),
  s3Port: port({ group: 'local', variable: 'S3_PORT', default: 4569, meaning: 'reserved for uploads' }),
  localDataDir: text({
    group: 'local',
    variable: 'LOCAL_DATA_DIR',
    default: '.local',
    meaning: 'DynamoDB data, executions, the inbox, the session signing key; all survive restarts',
  }),
  localTimeScale: positiveNumber({
    group: 'local',
    variable: 'LOCAL_TIME_SCALE',
    default: 1,
    meaning:
      'multiplies every Wait, task timeout, heartbeat and retry interval (`0.001`: a 7-day timeout passes in about 10 minutes)',
  }),
  localFaults: text({
    group: 'local',
    variable: 'LOCAL_FAULTS',
    meaning:
      "fault injection, off when unset: `dynamodb:0.2,ses:0.2,lambda:0.05,seed:42` fails those fractions of the tasks' AWS calls; `api:1` adds the API's (infra/local/faults.ts)",
  }),
  apiRequestTimeoutMs: positiveNumber({
    group: 'local',
    variable: 'API_REQUEST_TIMEOUT_MS',
    // Node's default is 300 s, so one slow client (a byte every few seconds) held a connection for five minutes.
    // Every body of this API is at most 64 KB: 10 s is plenty on any link.
    default: 10_000,
    meaning:
      'the local API answers 408 to a request (headers and body) not fully received within this many milliseconds',
  }),

  // The stack's own parameters.
  apiRateLimit: integer({
    group: 'deploy',
    deploy: true,
    default: 50,
    min: 1,
    meaning: 'API Gateway steady-state rate for the whole API, requests per second',
  }),
  apiBurstLimit: integer({
    group: 'deploy',
    deploy: true,
    default: 100,
    min: 1,
    meaning: 'API Gateway burst limit, requests',
  }),
  logRetentionDays: integer({
    group: 'deploy',
    deploy: true,
    default: 30,
    min: 1,
    meaning:
      'retention of every log group (functions, workflows, API access log); a value CloudWatch Logs offers',
  }),
  logLevel: text({
    group: 'runtime',
    variable: 'POWERTOOLS_LOG_LEVEL',
    deploy: true,
    default: 'INFO',
    meaning: 'Powertools log level of the API and the tasks',
  }),
  alarmEmail: text({
    group: 'deploy',
    deploy: true,
    meaning: 'an address subscribed to the alarm topic (confirm the email SNS sends it)',
  }),
  errorAlarmThreshold: integer({
    group: 'deploy',
    deploy: true,
    default: 5,
    min: 1,
    meaning: 'Lambda errors of one function, or API 5xx responses, in 5 minutes that raise an alarm',
  }),
  failedExecutionsAlarmThreshold: integer({
    group: 'deploy',
    deploy: true,
    default: 5,
    min: 1,
    meaning:
      'failed executions of one workflow in an hour that raise an alarm (refused registrations, e.g. a taken id, fail too)',
  }),
};

export type SettingName = keyof typeof settings;
