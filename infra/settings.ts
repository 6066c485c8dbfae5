/**
 * The deploy parameters: every CDK context value the app reads. Their names, defaults and meanings are the settings
 * schema's (core/settings.ts: each setting with `deploy: true`), which `npm run docs` writes to
 * docs/reference/settings.md. `infra/app.ts` turns them into the stack's props.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { settings, type SettingName } from '../core/settings.js';
import { submissionSettings } from '../core/submissions/settings.js';

type Schema = typeof settings;

/** The settings of the workflows: deploy parameters passed to the API and every task Lambda as variables. */
export type WorkflowSettingName = {
  [K in SettingName]: Schema[K]['group'] extends 'workflow' ? K : never;
}[SettingName];

export type WorkflowSettings = Partial<Record<WorkflowSettingName, string>>;

const workflowSettingNames = (Object.keys(settings) as SettingName[]).filter(
  (name): name is WorkflowSettingName => settings[name].group === 'workflow',
);

/** Settings of the workflows, passed to the API and every task Lambda as environment variables. */
export const workflowSettingVariables = Object.fromEntries(
  workflowSettingNames.map((name) => [name, settings[name].variable]),
) as { readonly [K in WorkflowSettingName]: Schema[K]['variable'] };

/** A setting's value as its variable holds it. */
function variableText(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The defaults the code applies when a variable is unset, read from the schema (`npm start` uses the same). */
export function workflowSettingDefaults(): Record<WorkflowSettingName, string> {
  const defaults = Object.fromEntries(
    workflowSettingNames.map((name) => [name, variableText(settings[name].read({}))]),
  ) as Record<WorkflowSettingName, string>;
  // Named explicitly in the functions' environment: the first of the sites.
  defaults.submissionDefaultSite = submissionSettings({}).defaultSite;
  return defaults;
}

/**
 * The environment variables for `values` (defaults filled in), validated by the schema that reads them at run time,
 * so a bad value fails the synth rather than the first execution.
 */
export function workflowSettingsEnvironment(values: WorkflowSettings = {}): Record<string, string> {
  const defaults = workflowSettingDefaults();
  const env: Record<string, string> = {};
  for (const name of workflowSettingNames) {
    env[workflowSettingVariables[name]] = values[name] ?? defaults[name];
  }
  for (const name of workflowSettingNames) settings[name].read(env);
  // And what no single setting can check: the default site is one of the sites.
  submissionSettings(env);
  return env;
}

export interface DeployParameter {
  name: SettingName;
  /** The default as the docs show it. */
  defaultText: string;
  meaning: string;
  /** The variable the API and the functions get it as, if any. */
  variable: string | undefined;
}

/** Every context parameter of the app, in the schema's order. */
export function deployParameters(): DeployParameter[] {
  return (Object.keys(settings) as SettingName[])
    .filter((name) => settings[name].deploy)
    .map((name) => {
      const setting = settings[name];
      return {
        name,
        defaultText: setting.deployDefaultText ?? setting.defaultText,
        meaning: setting.meaning,
        variable: setting.variable,
      };
    });
}

export const defaultApiThrottle = {
  rateLimit: settings.apiRateLimit.default,
  burstLimit: settings.apiBurstLimit.default,
} as const;
export const defaultAlarmThresholds = {
  errors: settings.errorAlarmThreshold.default,
  failedExecutions: settings.failedExecutionsAlarmThreshold.default,
} as const;
export const defaultLogLevel = settings.logLevel.default;
export const defaultLogRetention = retentionFromDays(settings.logRetentionDays.default);

/** A CloudWatch Logs retention in days, refusing values CloudWatch does not offer. */
export function retentionFromDays(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is number => typeof value === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`logRetentionDays must be one of ${allowed.sort((a, b) => a - b).join(', ')}`);
  }
  return days as RetentionDays;
}
