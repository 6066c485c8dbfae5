/**
 * A Node 22 ARM64 Lambda function bundled with esbuild from a TypeScript entry of this repository, with its own log
 * group and a role that may write only to it (instead of the AWS managed basic execution role, which allows every
 * log group). Used for every task and for the API.
 *
 * Bundling follows CDK's own switch: an app whose context `aws:cdk:bundling-stacks` matches no stack (e.g.
 * `new App({ context: { 'aws:cdk:bundling-stacks': [] } })`) skips esbuild and stages nothing, which keeps
 * assertion tests fast; `cdk synth`/`deploy` bundle every stack.
 *
 * Logical ids: a `NodeFunction` with id `XFunction` keeps the stack-level ids its resources had before it existed:
 * `XFunction` (the function), `XFunctionLogs`, `XFunctionRole`.
 */
import { join } from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { repoRoot } from '../workflows.js';
import { AppLogGroup } from './log-group.js';
import { keepStackLevelIds } from './logical-ids.js';

export interface NodeFunctionProps {
  /** The module exporting `handler`, relative to the repository root. */
  entry: string;
  description: string;
  timeout: Duration;
  memoryMb: number;
  environment: Record<string, string>;
  logRetention: RetentionDays;
  /** Extra steps around esbuild (e.g. files copied into the bundle). */
  commandHooks?: ICommandHooks;
}

export class NodeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: AppLogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    keepStackLevelIds(this, id);
    this.logGroup = new AppLogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Default', {
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memoryMb,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      role: this.role,
      environment: props.environment,
      entry: join(repoRoot, props.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The AWS SDK is bundled (pinned by our lockfile) and tree-shaken, not taken from the runtime.
        externalModules: [],
        // Some bundled CommonJS dependencies call require(); give them one in the ESM bundle (under a name no
        // bundled module declares).
        banner:
          "import { createRequire as __bannerCreateRequire } from 'node:module'; const require = __bannerCreateRequire(import.meta.url);",
        ...(props.commandHooks ? { commandHooks: props.commandHooks } : {}),
      },
    });
  }
}
