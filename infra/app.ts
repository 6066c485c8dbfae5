/**
 * The CDK app (`npm run synth`, or the CDK CLI through cdk.json). Parameters come from context: the `context`
 * block of cdk.json, or on the CLI `cdk deploy -c senderEmail=alumni@example.org -c siteUrl=https://...`. Every
 * parameter, its default and meaning is in the settings schema (`core/settings.ts`; docs/reference/settings.md).
 * The AwsSolutions checks of cdk-nag run on every synth; an unsuppressed error fails it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { parseOrigins } from '../core/cors.js';
import { settings } from '../core/settings.js';
import { applyAwsSolutionsChecks } from './nag.js';
import {
  defaultApiThrottle,
  deployParameters,
  retentionFromDays,
  workflowSettingVariables,
  type WorkflowSettingName,
  type WorkflowSettings,
} from './settings.js';
import { LuminaStack } from './stack.js';
import { repoRoot } from './workflows.js';

const exampleParameters = {
  senderEmail: 'no-reply@alumni.example.org',
  siteUrl: 'https://alumni.example.org',
};

// Run directly (`npm run synth`), behave as under the CDK CLI: write to cdk.out and read cdk.json's context.
// Under the CLI, CDK_OUTDIR is set and the CLI's context (cdk.json, -c) takes precedence over these defaults.
const cdkJson = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')) as {
  context?: Record<string, unknown>;
};
const app = new App({
  outdir: process.env.CDK_OUTDIR ?? join(repoRoot, 'cdk.out'),
  context: cdkJson.context ?? {},
});

const known = new Set<string>(deployParameters().map((parameter) => parameter.name));

/** A context value as a string (cdk.json may hold numbers and booleans, `-c` gives strings); unset → undefined. */
function context(name: string): string | undefined {
  if (!known.has(name)) throw new Error(`context ${name} is not a documented parameter (core/settings.ts)`);
  const value: unknown = app.node.tryGetContext(name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`context ${name} must be a string, a number or a boolean`);
}

function required(name: keyof typeof exampleParameters): string {
  const value = context(name);
  if (value !== undefined) return value;
  console.warn(
    `context ${name} not set: using the example value ${exampleParameters[name]} (fine for synth, not for deploy)`,
  );
  return exampleParameters[name];
}

/** An integer parameter, parsed by the schema's parser; unset → undefined (the stack applies the default). */
type IntegerParameter =
  | 'apiRateLimit'
  | 'apiBurstLimit'
  | 'logRetentionDays'
  | 'errorAlarmThreshold'
  | 'failedExecutionsAlarmThreshold';
function integer(name: IntegerParameter): number | undefined {
  const value = context(name);
  if (value === undefined) return undefined;
  return settings[name].parse(value, `context ${name}`);
}

function boolean(name: 'sesIdentityExists'): boolean {
  return settings[name].parse(context(name), `context ${name}`);
}

const workflowSettings: WorkflowSettings = {};
for (const name of Object.keys(workflowSettingVariables) as WorkflowSettingName[]) {
  const value = context(name);
  if (value !== undefined) workflowSettings[name] = value;
}
const rateLimit = integer('apiRateLimit');
const burstLimit = integer('apiBurstLimit');
const logRetentionDays = integer('logRetentionDays');
// The same setting and parser as npm start's SITE_ORIGINS (core/cors.ts).
const siteOriginsText = context('siteOrigins');
const siteOrigins = siteOriginsText === undefined ? undefined : parseOrigins(siteOriginsText, 'siteOrigins');

const stack = new LuminaStack(app, context('stackName') ?? 'Lumina', {
  description:
    'Lumina alumni backend: table, HTTP API, task Lambdas, Step Functions workflows, SES and alarms',
  senderEmail: required('senderEmail'),
  siteUrl: required('siteUrl'),
  siteOrigins,
  sesIdentity: context('sesIdentity'),
  sesIdentityExists: boolean('sesIdentityExists'),
  publicApiUrl: context('publicApiUrl'),
  workflowSettings,
  apiThrottle:
    rateLimit || burstLimit
      ? {
          rateLimit: rateLimit ?? defaultApiThrottle.rateLimit,
          burstLimit: burstLimit ?? defaultApiThrottle.burstLimit,
        }
      : undefined,
  logRetention: logRetentionDays === undefined ? undefined : retentionFromDays(logRetentionDays),
  logLevel: context('logLevel'),
  alarmEmail: context('alarmEmail'),
  errorAlarmThreshold: integer('errorAlarmThreshold'),
  failedExecutionsAlarmThreshold: integer('failedExecutionsAlarmThreshold'),
  // Environment-agnostic unless the CLI supplies an account and region (synth needs neither).
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
});
// An unacknowledged finding interrupts the synth with cdk-nag's report (and a non-zero exit).
applyAwsSolutionsChecks(app, stack);
app.synth();
