/**
 * cdk-nag's AwsSolutions checks, and every finding we accept with its reason. `infra/app.ts` registers the checks
 * as a validation plugin (an unacknowledged finding fails the synth) and the stack tests run them directly.
 */
import { Stack, Token, Validations, type App } from 'aws-cdk-lib';
import type { PolicyViolation } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { LuminaStack } from './stack.js';

export interface NagAcknowledgment {
  /** Where it applies (the construct and everything under it). */
  scope: IConstruct;
  /** The finding: `AwsSolutions-<rule>` or, for rules with several findings per resource, `...[<finding>]`. */
  id: string;
  reason: string;
}

const reasons = {
  lambdaRuntime:
    'Node.js 22 is the runtime the project targets and tests against (DESIGN 5); moving to a newer runtime is a ' +
    'deliberate change with its own test run, not something a linter should force.',
  taskRoleStar:
    'Only X-Ray trace upload (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on "*": X-Ray has no ' +
    'resource-level permissions for these actions. Every other statement names the table, indexes, SES identity, ' +
    'configuration set, state machines or log group.',
  apiRoleStar:
    'Only X-Ray trace upload and states:ListStateMachines (the /health probe of Step Functions) are granted on ' +
    '"*": neither supports resource-level permissions.',
  stateMachineRoleStar:
    'X-Ray trace upload and sampling, and the CloudWatch Logs vended-log delivery actions Step Functions logging ' +
    'needs (logs:CreateLogDelivery, ...), are granted on "*": AWS documents no narrower resource for them.',
  executionWildcard:
    'DescribeExecution on the executions of one of our own state machines: execution names are chosen per ' +
    'request (e.g. reg-<id>-<hash>), so they cannot be listed in advance.',
  signingKeyRotation:
    'The session signing key is replaced by hand (`npm run signing-key -- --secret-id <arn> --replace`): a new ' +
    'key ends every session, so a schedule would sign every member out; the README documents when to do it.',
  apiAuthorization:
    "Authorization is the app's, as lumina's contract requires: public routes (registration, login, link " +
    'redemption, /check, /health, /docs) and revocable Bearer sessions checked on every request against the ' +
    'table (ES256 JWT plus session item). An API Gateway authorizer cannot express either.',
};

/** Every acknowledged finding of the stack, with its reason. */
export function nagAcknowledgments(stack: LuminaStack): NagAcknowledgment[] {
  const list: NagAcknowledgment[] = [];
  const functions = [...stack.taskFunctions.values(), stack.apiFunction];
  for (const fn of functions) {
    list.push({ scope: fn, id: 'AwsSolutions-L1', reason: reasons.lambdaRuntime });
    if (fn.role) {
      list.push({
        scope: fn.role,
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: fn === stack.apiFunction ? reasons.apiRoleStar : reasons.taskRoleStar,
      });
    }
  }
  for (const machine of stack.stateMachines.values()) {
    list.push({
      scope: machine.role,
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: reasons.stateMachineRoleStar,
    });
  }
  for (const name of stack.stateMachineNames) {
    list.push({
      scope: stack.apiRole,
      id: `AwsSolutions-IAM5[Resource::${renderForNag(stack, stack.executionArnPattern(name))}]`,
      reason: reasons.executionWildcard,
    });
  }
  list.push({ scope: stack.signingKeySecret, id: 'AwsSolutions-SMG4', reason: reasons.signingKeyRotation });
  list.push({ scope: stack.httpApiRoute, id: 'AwsSolutions-APIG4', reason: reasons.apiAuthorization });
  return list;
}

/** Acknowledges every accepted finding and registers the AwsSolutions checks to run when `app` synthesises. */
export function applyAwsSolutionsChecks(app: App, stack: LuminaStack): void {
  acknowledge(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
}

export function acknowledge(stack: LuminaStack): void {
  for (const { scope, id, reason } of nagAcknowledgments(stack))
    Validations.of(scope).acknowledge({ id, reason });
}

/** Runs the AwsSolutions checks on the stack now (after `acknowledge`) and returns what is left. */
export function nagViolations(stack: LuminaStack): PolicyViolation[] {
  return [...new AwsSolutionsChecks(stack).validateScope(stack).violations];
}

/** A value as cdk-nag names it in a finding: references as `<Name>` or `<Logical.Attribute>`, joins flattened. */
function renderForNag(stack: Stack, value: string): string {
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object') {
      const object = node as Record<string, unknown>;
      if (typeof object.Ref === 'string') return `<${object.Ref}>`;
      const getAtt = object['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
      const join = object['Fn::Join'];
      if (Array.isArray(join)) return (join[1] as unknown[]).map(render).join(String(join[0]));
    }
    return JSON.stringify(node);
  };
  return Token.isUnresolved(value) ? render(stack.resolve(value)) : value;
}
