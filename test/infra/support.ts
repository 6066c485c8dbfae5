/**
 * Shared by the CDK tests. `assertionApp()` is an app that bundles no stack (CDK's own `aws:cdk:bundling-stacks`
 * context set to no stack): each function gets a placeholder asset instead of an esbuild bundle, so a synth takes
 * well under a second once CDK is loaded, runs no esbuild and no Docker, and needs no Java. Only
 * `test/infra/bundling.test.ts` and `test/infra/cdk-cli.test.ts` bundle.
 */
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { LuminaStack, type LuminaStackProps } from '../../infra/stack.js';
import { listWorkflows, repoRoot } from '../../infra/workflows.js';

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
};

export function assertionApp(): App {
  return new App({ context: { [BUNDLING_STACKS]: [] } });
}

export const baseProps = {
  senderEmail: 'alumni@newtheatre.example',
  siteUrl: 'https://alumni.newtheatre.example',
} as const;

/** `fixture-review` calls the fixture tasks; `fixture-events` publishes to the app's bus (`${EventBusName}`). */
export const fixtureWorkflows = listWorkflows(join(repoRoot, 'test/fixtures')).filter(
  (w) => w.name === 'fixture-review' || w.name === 'fixture-events',
);

export interface Synthesised {
  app: App;
  stack: LuminaStack;
  resources: Record<string, Resource>;
  template: Template;
}

/** The stack with `baseProps` and `props`, synthesised in `app` (by default one that skips bundling). */
export function synth(props: Partial<LuminaStackProps> = {}, app: App = assertionApp()): Synthesised {
  const stack = new LuminaStack(app, 'Lumina', { ...baseProps, ...props });
  const template = Template.fromStack(stack);
  return { app, stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

export function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** The logical id of a construct's CloudFormation resource (its default child), as synthesised. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** An empty stack in an app that skips bundling, for one construct's test. */
export function constructTestStack(props: { env?: { account: string; region: string } } = {}): Stack {
  return new Stack(assertionApp(), 'Test', props);
}

/** A policy statement as in the template. */
export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Principal?: unknown;
  Sid?: string;
};

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The statements of the policies attached to one role (by the role's logical id). */
export function roleStatements(resources: Record<string, Resource>, roleLogicalId: string): Statement[] {
  return ofType(resources, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The resources of a synthesised stack. */
export function resourcesOf(stack: Stack): Record<string, Resource> {
  return Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
}
