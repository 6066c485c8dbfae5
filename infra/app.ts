/**
 * The CDK app (`npm run synth`, or the CDK CLI through cdk.json). Parameters come from context: the `context`
 * block of cdk.json, or on the CLI `cdk deploy -c senderEmail=alumni@example.org -c siteUrl=https://...`:
 *
 * - `stackName`   name of the stack, also the prefix of every state machine name (default `Lumina`)
 * - `senderEmail` From address of every email; it or its domain must be a verified SES identity
 * - `siteUrl`     public base URL of the alumni site, used in emailed links
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
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

function parameter(name: keyof typeof exampleParameters): string {
  const value: unknown = app.node.tryGetContext(name);
  if (typeof value === 'string' && value !== '') return value;
  console.warn(
    `context ${name} not set: using the example value ${exampleParameters[name]} (fine for synth, not for deploy)`,
  );
  return exampleParameters[name];
}

const stackName: unknown = app.node.tryGetContext('stackName');
new LuminaStack(app, typeof stackName === 'string' && stackName !== '' ? stackName : 'Lumina', {
  description: 'Lumina alumni backend: table, task Lambdas and Step Functions workflows',
  senderEmail: parameter('senderEmail'),
  siteUrl: parameter('siteUrl'),
  // Environment-agnostic unless the CLI supplies an account and region (synth needs neither).
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
});
app.synth();
