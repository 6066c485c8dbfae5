/**
 * The ASL contract: every Task state of every workflow matches only errors its task declares, and its ResultSelector
 * reads only fields its task's output schema has. Imports every task module; needs no emulator.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkTaskContracts, schemaHasPath, type AslTaskContract } from '../../infra/asl-contract.js';
import { listWorkflows } from '../../infra/workflows.js';
import type { TaskContract } from '../../tasks/define-task.js';
import { taskFunctions } from '../../tasks/registry.js';

const contracts: TaskContract[] = await Promise.all(
  taskFunctions.map(async (task) => {
    const module = (await import(`../../${task.entry.replace(/\.ts$/, '.js')}`)) as {
      handler: { contract?: TaskContract };
    };
    if (!module.handler.contract) throw new Error(`${task.entry} does not export a defineTask handler`);
    return module.handler.contract;
  }),
);

const workflows = listWorkflows().map((workflow) => ({
  ...workflow,
  definition: JSON.parse(workflow.definitionText) as Parameters<typeof checkTaskContracts>[1],
}));

describe('the task contract of every workflow', () => {
  it('covers all five workflows and every registered task', () => {
    expect(workflows.map((w) => w.name)).toEqual([
      'first-email-relay',
      'registration',
      'staff-invitation',
      'staff-sign-in',
      'submission-review',
    ]);
    expect(contracts.map((c) => c.name)).toEqual(taskFunctions.map((t) => t.name));
    for (const contract of contracts) {
      expect(contract.workflow).toBe(taskFunctions.find((t) => t.name === contract.name)?.workflow);
    }
  });

  it.each(workflows.map((w) => [w.name, w] as const))('%s keeps its tasks’ contracts', (_name, workflow) => {
    expect(checkTaskContracts(workflow.name, workflow.definition, contracts)).toEqual([]);
  });

  it('every task is invoked by the workflow the registry names', () => {
    for (const contract of contracts) {
      const workflow = workflows.find((w) => w.name === contract.workflow);
      expect(workflow?.definitionText, contract.name).toContain(
        contract.name.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase()),
      );
    }
  });
});

describe('checkTaskContracts', () => {
  const contract: AslTaskContract = {
    name: 'reserve-member',
    output: z.object({ reserved: z.boolean(), member: z.object({ id: z.string() }).optional() }),
    throws: ['InvalidInput', 'RetryableError', 'MemberAlreadyExists'],
  };
  const machine = (state: Record<string, unknown>) => ({
    States: {
      Reserve: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: '${ReserveMemberFunctionArn}', Payload: {} },
        ...state,
      },
    },
  });

  it('accepts declared errors, States.* and Lambda.* names, and fields the output has', () => {
    const definition = machine({
      ResultSelector: { 'reserved.$': '$.Payload.reserved', 'id.$': '$.Payload.member.id', fixed: 1 },
      Retry: [{ ErrorEquals: ['RetryableError', 'Lambda.ServiceException'] }],
      Catch: [{ ErrorEquals: ['MemberAlreadyExists', 'States.ALL'] }],
    });
    expect(checkTaskContracts('w', definition, [contract])).toEqual([]);
  });

  it('reports an error name the task does not declare (a rename on one side)', () => {
    const definition = machine({ Catch: [{ ErrorEquals: ['MemberExists'] }] });
    expect(checkTaskContracts('w', definition, [contract])).toEqual([
      { workflow: 'w', state: 'Reserve', problem: expect.stringContaining('"MemberExists"') as string },
    ]);
  });

  it('reports a field the output does not have, also in nested states', () => {
    const definition = {
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [machine({ ResultSelector: { 'x.$': '$.Payload.member.name' } })],
        },
      },
    };
    expect(checkTaskContracts('w', definition, [contract])).toEqual([
      {
        workflow: 'w',
        state: 'Reserve',
        problem: expect.stringContaining('$.Payload.member.name') as string,
      },
    ]);
  });

  it('ignores the ResultSelector of a waitForTaskToken state (its result comes from SendTaskSuccess)', () => {
    const definition = machine({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      ResultSelector: { 'verifiedAt.$': '$.Payload.verifiedAt' },
    });
    expect(checkTaskContracts('w', definition, [contract])).toEqual([]);
  });

  it('reports a task with no contract', () => {
    const definition = machine({ Parameters: { FunctionName: '${SomethingElseFunctionArn}' } });
    expect(checkTaskContracts('w', definition, [contract])).toHaveLength(1);
  });

  it('follows optional, nullable, union and piped schemas', () => {
    const schema = z.union([
      z.object({ sent: z.literal(true), messageId: z.string() }),
      z.object({ sent: z.literal(false), reason: z.string().nullable().optional() }),
    ]);
    expect(schemaHasPath(schema, ['messageId'])).toBe(true);
    expect(schemaHasPath(schema, ['reason'])).toBe(true);
    expect(schemaHasPath(schema, ['other'])).toBe(false);
    expect(
      schemaHasPath(
        z.object({ a: z.string() }).transform((v) => v),
        ['a'],
      ),
    ).toBe(false);
    expect(schemaHasPath(z.unknown().pipe(z.object({ a: z.string() })), ['a'])).toBe(true);
  });
});
