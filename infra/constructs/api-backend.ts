/**
 * The API's side of the backend: the Lambda running the Hono app (`api/lambda.ts`, the same app as `npm start`, with
 * the Swagger UI files `/docs` serves copied into its bundle) and the secret holding the session signing key. Its role
 * may read and write the table's items, send email from the sender address, read that one secret, and start, answer,
 * describe and stop executions of the app's state machines only.
 *
 * Logical ids: its resources keep the stack-level ids they had before the construct existed (`ApiFunction`,
 * `ApiFunctionLogs`, `ApiFunctionRole`, `SessionSigningKey` and the output `SessionSigningKeySecretArn`).
 */
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { CfnOutput, Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { docsAssetFiles } from '../../api/docs.js';
import { stateMachineArnVariable } from '../../core/config.js';
import { repoRoot } from '../workflows.js';
import type { AppTable } from './app-table.js';
import type { EmailSending } from './email-sending.js';
import { keepStackLevelIds } from './logical-ids.js';
import { NodeFunction } from './node-function.js';
import { executionArnPattern, stateMachineArnFor, type Workflow } from './workflow.js';

export interface ApiBackendProps {
  /** The variables every function gets (table name, URLs, settings, logging). */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  table: AppTable;
  email: EmailSending;
  /** The app's workflows by name: the API starts and answers them. */
  workflows: ReadonlyMap<string, Workflow>;
}

export class ApiBackend extends Construct {
  readonly function: NodeFunction;
  /** Holds the session signing key (a private JWK); its value is set by `npm run signing-key`. */
  readonly signingKeySecret: Secret;

  constructor(scope: Construct, id: string, props: ApiBackendProps) {
    super(scope, id);
    keepStackLevelIds(this);
    const { table, email, workflows } = props;
    this.signingKeySecret = new Secret(this, 'SessionSigningKey', {
      description:
        'Lumina session signing key: a private EC P-256 JWK. Set it with `npm run signing-key -- --secret-id <arn>`.',
    });
    this.function = new NodeFunction(this, 'ApiFunction', {
      entry: 'api/lambda.ts',
      description: 'Lumina HTTP API (Hono)',
      // API Gateway waits at most 30 s for an integration.
      timeout: Duration.seconds(29),
      memoryMb: 1024,
      environment: {
        ...props.environment,
        EMAIL_SENDER: email.senderEmail,
        SESSION_SIGNING_KEY_SECRET_ARN: this.signingKeySecret.secretArn,
        ...Object.fromEntries(
          [...workflows].map(([name, workflow]) => [
            stateMachineArnVariable(name),
            workflow.stateMachine.stateMachineArn,
          ]),
        ),
      },
      logRetention: props.logRetention,
      commandHooks: swaggerUiCommandHooks(),
    });
    const role = this.function.role;
    // `/health` probes the table with a GetItem (one of the reads), so the API needs nothing beyond its reads and writes.
    table.grantItems(role, 'readwrite');
    email.grantSend(role);
    this.signingKeySecret.grantRead(role);
    if (workflows.size > 0) {
      const names = [...workflows.values()].map((workflow) => workflow.stateMachineName);
      role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: names.map((name) => stateMachineArnFor(this, name)),
        }),
      );
      role.addToPrincipalPolicy(
        new PolicyStatement({
          // Stopping: a deleted staff user's pending invitation, a withdrawn submission.
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          // Executions are named per request: any execution, of our state machines only.
          resources: names.map((name) => executionArnPattern(this, name)),
        }),
      );
    }
    // `/health` checks that Step Functions answers with ListStateMachines, which has no resource-level permissions.
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['states:ListStateMachines'], resources: ['*'] }),
    );

    new CfnOutput(this, 'SessionSigningKeySecretArn', {
      value: this.signingKeySecret.secretArn,
      description: 'Set its value with: npm run signing-key -- --secret-id <this ARN>',
    });
  }
}

/**
 * `api/docs.ts` finds Swagger UI with `require.resolve('swagger-ui-dist/package.json')` next to the running file,
 * so the bundle gets `node_modules/swagger-ui-dist/` holding that package.json and the files `/docs` serves.
 */
function swaggerUiCommandHooks(): ICommandHooks {
  const source = relative(
    repoRoot,
    dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')),
  );
  const files = ['package.json', ...docsAssetFiles];
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p "${outputDir}/node_modules/swagger-ui-dist"`,
      ...files.map(
        (file) => `cp "${inputDir}/${source}/${file}" "${outputDir}/node_modules/swagger-ui-dist/${file}"`,
      ),
    ],
  };
}
