/**
 * Checks each workflow's Task states against the contracts of the tasks they invoke (`tasks/define-task.ts`):
 *
 * - every error name in a `Retry` or `Catch` that is not Step Functions' or Lambda's own (`States.*`, `Lambda.*`,
 *   `Sandbox.*`) is one the
 *   task declares it throws;
 * - every `$.Payload.<path>` a `ResultSelector` reads is in the task's output schema.
 *
 * A renamed error or a removed output field then fails a unit test instead of an execution at run time.
 */
import type { z } from 'zod';
import { functionArnSubstitution } from '../tasks/registry.js';

/** The part of a task's contract the ASL depends on. */
export interface AslTaskContract {
  name: string;
  output: z.ZodType;
  throws: readonly string[];
}

export interface ContractProblem {
  workflow: string;
  state: string;
  problem: string;
}

interface AslState {
  Type?: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  ResultSelector?: Record<string, unknown>;
  Retry?: { ErrorEquals?: string[] }[];
  Catch?: { ErrorEquals?: string[] }[];
  Branches?: AslMachine[];
  Iterator?: AslMachine;
  ItemProcessor?: AslMachine;
}

interface AslMachine {
  States?: Record<string, AslState>;
}

const waitForTaskToken = '.waitForTaskToken';

/** Problems of one workflow (its definition as written, placeholders in place); none means it keeps its contracts. */
export function checkTaskContracts(
  workflow: string,
  definition: AslMachine,
  contracts: readonly AslTaskContract[],
): ContractProblem[] {
  const bySubstitution = new Map(contracts.map((c) => [`\${${functionArnSubstitution(c.name)}}`, c]));
  const problems: ContractProblem[] = [];
  for (const [stateName, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const target = state.Parameters?.FunctionName ?? state.Resource ?? '';
    const contract = bySubstitution.get(target);
    if (!contract) {
      if (target.includes('FunctionArn}')) {
        problems.push({
          workflow,
          state: stateName,
          problem: `invokes ${target}, which has no task contract`,
        });
      }
      continue;
    }
    const report = (problem: string) => problems.push({ workflow, state: stateName, problem });
    for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
      for (const name of rule.ErrorEquals ?? []) {
        // Step Functions' and Lambda's own names (`Sandbox.Timedout` is a Lambda that ran out of time).
        if (name.startsWith('States.') || name.startsWith('Lambda.') || name.startsWith('Sandbox.')) continue;
        if (!contract.throws.includes(name)) {
          report(`matches error "${name}", which task ${contract.name} does not declare`);
        }
      }
    }
    // A waitForTaskToken state's result is what SendTaskSuccess sent, not the task's output.
    if (state.ResultSelector && !state.Resource?.endsWith(waitForTaskToken)) {
      for (const path of payloadPaths(state.ResultSelector)) {
        if (!schemaHasPath(contract.output, path)) {
          report(`reads $.Payload.${path.join('.')}, which is not in the output of task ${contract.name}`);
        }
      }
    }
  }
  return problems;
}

function* allStates(machine: AslMachine): Generator<[string, AslState]> {
  for (const [name, state] of Object.entries(machine.States ?? {})) {
    yield [name, state];
    for (const branch of state.Branches ?? []) yield* allStates(branch);
    if (state.Iterator) yield* allStates(state.Iterator);
    if (state.ItemProcessor) yield* allStates(state.ItemProcessor);
  }
}

/** The `$.Payload.a.b` paths a selector reads, as `['a', 'b']`; `$.Payload` itself is `[]`. */
function payloadPaths(selector: unknown): string[][] {
  const paths: string[][] = [];
  const visit = (value: unknown, key?: string) => {
    if (typeof value === 'string' && key?.endsWith('.$')) {
      const match = /^\$\.Payload(?:\.(.+))?$/.exec(value);
      if (match) paths.push(match[1] ? match[1].split('.') : []);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  visit(selector);
  return paths;
}

interface ZodDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  out?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

function definitionOf(schema: z.ZodType): ZodDefinition {
  return (schema as unknown as { _zod: { def: ZodDefinition } })._zod.def;
}

/** Whether an output of `schema` can have a value at `path` (any union member will do). */
export function schemaHasPath(schema: z.ZodType, path: readonly string[]): boolean {
  if (path.length === 0) return true;
  const def = definitionOf(schema);
  switch (def.type) {
    case 'object': {
      const [head, ...rest] = path;
      const field = def.shape?.[head ?? ''];
      return field !== undefined && schemaHasPath(field, rest);
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType !== undefined && schemaHasPath(def.innerType, path);
    case 'union':
      return (def.options ?? []).some((option) => schemaHasPath(option, path));
    case 'intersection':
      return (
        (def.left !== undefined && schemaHasPath(def.left, path)) ||
        (def.right !== undefined && schemaHasPath(def.right, path))
      );
    case 'pipe':
      return def.out !== undefined && schemaHasPath(def.out, path);
    case 'lazy':
      return def.getter !== undefined && schemaHasPath(def.getter(), path);
    case 'any':
    case 'unknown':
    case 'record':
      return true;
    default:
      return false;
  }
}
