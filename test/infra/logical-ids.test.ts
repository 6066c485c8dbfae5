/**
 * CloudFormation knows each resource by its logical id: a resource whose id changes is deleted and created anew (the
 * table, retained, would be orphaned and replaced by an empty one). This test holds the ids of the stack as deployed
 * (the registry and statemachines/, with every optional resource: an alarm subscription and a domain identity's DKIM
 * outputs) against the committed list `logical-ids.json`, written from the template before the stack was split into
 * constructs. A refactor that changes an id fails here; keep it with the construct ids (infra/constructs/logical-ids.ts).
 *
 * Adding or removing a task or a workflow changes the list on purpose: check that only its own resources appear or
 * disappear, then rewrite the list with `UPDATE_LOGICAL_IDS=1 npx vitest run test/infra/logical-ids.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../infra/workflows.js';
import { logicalId, synth } from './support.js';

interface LogicalIds {
  /** Logical id → resource type, sorted by id. */
  resources: Record<string, string>;
  /** Output ids, sorted (operators and scripts read the outputs by these names). */
  outputs: string[];
}

const listFile = join(repoRoot, 'test/infra/logical-ids.json');

describe('the logical ids of the deployed stack', () => {
  const { stack, template } = synth({ alarmEmail: 'ops@example.org', sesIdentity: 'newtheatre.example' });
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string }>;
    Outputs: Record<string, unknown>;
  };
  const actual: LogicalIds = {
    resources: Object.fromEntries(
      Object.keys(json.Resources)
        .sort()
        .map((id) => [id, json.Resources[id]!.Type]),
    ),
    outputs: Object.keys(json.Outputs).sort(),
  };
  if (process.env.UPDATE_LOGICAL_IDS) writeFileSync(listFile, `${JSON.stringify(actual, null, 2)}\n`);
  const committed = JSON.parse(readFileSync(listFile, 'utf8')) as LogicalIds;

  it('keeps the id and type of every resource of the committed list', () => {
    const lost = Object.entries(committed.resources)
      .filter(([id, type]) => actual.resources[id] !== type)
      .map(([id, type]) => `${id} (${type}) is now ${actual.resources[id] ?? 'gone'}`);
    expect(lost, 'these resources would be replaced on the next deploy').toEqual([]);
  });

  it('has no resource the committed list does not know', () => {
    const added = Object.keys(actual.resources).filter((id) => !(id in committed.resources));
    expect(added, 'new logical ids (a renamed construct, or a new task or workflow: see the header)').toEqual(
      [],
    );
  });

  it('keeps the output names', () => {
    expect(actual.outputs).toEqual(committed.outputs);
  });

  it('keeps the table where it has always been', () => {
    expect(logicalId(stack.table)).toBe('AppTable815C50BC');
    expect(json.Resources.AppTable815C50BC?.Type).toBe('AWS::DynamoDB::GlobalTable');
  });
});
