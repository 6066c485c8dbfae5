import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { keepStackLevelIds } from '../../../infra/constructs/logical-ids.js';
import { assertionApp } from '../support.js';

const resource = (scope: Construct, id: string) => new CfnResource(scope, id, { type: 'Test::Thing' });

/** Logical ids of the same resources created directly in a stack. */
function flatIds(): string[] {
  const stack = new Stack(assertionApp(), 'Flat');
  for (const id of ['Table', 'ApiFunction', 'ApiFunctionLogs', 'SessionKey', 'BusAlarm']) {
    resource(new Construct(stack, id), 'Resource');
  }
  return Object.keys(Template.fromStack(stack).toJSON().Resources as object).sort();
}

class Prefixed extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    keepStackLevelIds(this, id);
    resource(new Construct(this, 'Default'), 'Resource');
    resource(new Construct(this, 'Logs'), 'Resource');
  }
}

class Transparent extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    keepStackLevelIds(this);
    new Prefixed(this, 'ApiFunction');
    resource(new Construct(this, 'SessionKey'), 'Resource');
  }
}

describe('keepStackLevelIds', () => {
  it('names resources under constructs as if they had been created in the stack', () => {
    const stack = new Stack(assertionApp(), 'Grouped');
    resource(new Construct(stack, 'Table'), 'Resource');
    const group = new Transparent(stack, 'Group');
    // Created after the constructor, as a role's default policy is on the first grant.
    const monitoring = new Construct(stack, 'Monitoring');
    keepStackLevelIds(monitoring);
    resource(new Construct(monitoring, 'BusAlarm'), 'Resource');

    const ids = Object.keys(Template.fromStack(stack).toJSON().Resources as object).sort();
    expect(ids).toEqual(flatIds());
    // The stack answers the kept id too (tests and cdk-nag ask it).
    const session = group.node.findChild('SessionKey').node.defaultChild as CfnResource;
    expect(stack.getLogicalId(session)).toBe(ids.find((id) => id.startsWith('SessionKey')));
  });

  it('leaves constructs that do not ask alone', () => {
    const stack = new Stack(assertionApp(), 'Plain');
    resource(new Construct(new Construct(stack, 'Group'), 'Table'), 'Resource');
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources as object)).toEqual([
      expect.stringMatching(/^GroupTable[0-9A-F]{8}$/),
    ]);
  });
});
