/**
 * Lints a workflow definition twice: against the Amazon States Language (`asl-validator`), and against what the
 * local runtime (`aws-local-stepfunctions` plus our extensions) can actually execute. A definition that passes runs
 * the same way on AWS and on one machine.
 */
import { createRequire } from 'node:module';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../tasks/registry.js';
import {
  applySubstitutions,
  eventBusSubstitution,
  localEventBusName,
  localFunctionArn,
  placeholdersIn,
  workflowSubstitutions,
} from './workflows.js';

/** The Task resources the local runtime can execute. The runtime imports this list; extend both together. */
export const supportedTaskResources = {
  /** Optimised Lambda integration; `Parameters.FunctionName` must be `${<Task>FunctionArn}` of a registered task. */
  lambdaInvoke: 'arn:aws:states:::lambda:invoke',
  /** The same, waiting for `SendTaskSuccess`/`SendTaskFailure` with the token passed as `$$.Task.Token`. */
  lambdaInvokeWaitForTaskToken: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
  /** A Lambda function ARN used directly as the resource (in the files: `${<Task>FunctionArn}`). */
  lambdaFunctionArn: /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)$/,
  /**
   * Optimised EventBridge integration, request-response only: each entry's `EventBusName` is `${EventBusName}`.
   * Locally the events are recorded (`GET /events` of the Step Functions endpoint), not routed.
   */
  eventsPutEvents: 'arn:aws:states:::events:putEvents',
} as const;

export function isSupportedTaskResource(resource: string): boolean {
  return (
    resource === supportedTaskResources.lambdaInvoke ||
    resource === supportedTaskResources.lambdaInvokeWaitForTaskToken ||
    resource === supportedTaskResources.eventsPutEvents ||
    supportedTaskResources.lambdaFunctionArn.test(resource)
  );
}

/** PutEvents takes 1 to 10 entries per request. */
const maxPutEventsEntries = 10;

/** Step Functions' own limit for a Standard execution; any longer wait can never complete. */
export const maxWaitSeconds = 365 * 24 * 60 * 60;

export interface LintOptions {
  /** Tasks the definition may call; defaults to the registry. */
  tasks?: readonly TaskFunction[];
}

interface AslValidatorResult {
  isValid: boolean;
  errors: { 'Error code': string; Message: string }[];
}
type AslValidator = (
  definition: unknown,
  opts?: { checkArn: boolean; checkPaths: boolean },
) => AslValidatorResult;

// asl-validator is CommonJS without type declarations.
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** Fields of the JSONata query language or of features the local interpreter lacks. */
const unsupportedStateFields: Record<string, string> = {
  Assign:
    'variables (Assign) are not supported by the local runtime; pass data with ResultPath/ResultSelector',
  Arguments: 'Arguments is JSONata; use Parameters',
  Output: 'Output is JSONata; use OutputPath/ResultSelector',
  Items: 'Items is JSONata; use ItemsPath',
  ItemReader: 'ItemReader (distributed Map) is not supported by the local runtime',
  ItemBatcher: 'ItemBatcher (distributed Map) is not supported by the local runtime',
  ResultWriter: 'ResultWriter (distributed Map) is not supported by the local runtime',
  Credentials: 'Credentials (cross-account tasks) are not supported by the local runtime',
};

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every state, depth first, including those in Parallel branches and Map processors. */
function walkStates(
  states: unknown,
  path: string,
  visit: (name: string, state: Json, path: string) => void,
): void {
  if (!isObject(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const statePath = `${path}.${name}`;
    visit(name, state, statePath);
    if (Array.isArray(state.Branches)) {
      state.Branches.forEach((branch: unknown, index) => {
        if (isObject(branch)) walkStates(branch.States, `${statePath}.Branches[${index}].States`, visit);
      });
    }
    for (const processor of ['Iterator', 'ItemProcessor'] as const) {
      const inner = state[processor];
      if (isObject(inner)) walkStates(inner.States, `${statePath}.${processor}.States`, visit);
    }
  }
}

/** Every `QueryLanguage: "JSONata"` anywhere in the document. */
function jsonataProblems(value: unknown, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => jsonataProblems(item, `${path}[${index}]`, problems));
  } else if (isObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'QueryLanguage' && inner === 'JSONata') {
        problems.push(
          `${path}: QueryLanguage "JSONata" is not supported by the local runtime; write JSONPath`,
        );
      }
      jsonataProblems(inner, `${path}.${key}`, problems);
    }
  }
}

/** `${Key}` when the whole string is one placeholder, else undefined. */
function soleSubstitution(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{([^}]+)\}$/.exec(value)?.[1] : undefined;
}

function taskProblems(state: Json, path: string, tasks: readonly TaskFunction[]): string[] {
  const problems: string[] = [];
  const resource = state.Resource;
  if (typeof resource !== 'string') return [`${path}: Task has no Resource`];
  const taskKeys = new Set(tasks.map((task) => functionArnSubstitution(task.name)));
  const taskNames = new Set(tasks.map((task) => task.name));
  const knownKeys = () => (taskKeys.size > 0 ? [...taskKeys].join(', ') : 'none registered');

  const key = soleSubstitution(resource);
  if (key !== undefined) {
    // A direct Lambda ARN, written as a substitution.
    if (!taskKeys.has(key)) {
      problems.push(
        `${path}: Resource \${${key}} is not the ARN of a registered task (known: ${knownKeys()})`,
      );
    }
  } else if (
    resource === supportedTaskResources.lambdaInvoke ||
    resource === supportedTaskResources.lambdaInvokeWaitForTaskToken
  ) {
    const parameters = isObject(state.Parameters) ? state.Parameters : {};
    problems.push(...functionNameProblems(parameters, path, resource, taskKeys, taskNames, knownKeys));
    if (resource === supportedTaskResources.lambdaInvokeWaitForTaskToken) {
      if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
        problems.push(
          `${path}: a Task waiting for a task token must set TimeoutSeconds or TimeoutSecondsPath (a human may never answer)`,
        );
      }
      if (!JSON.stringify(parameters).includes('$$.Task.Token')) {
        problems.push(`${path}: a Task waiting for a task token must pass $$.Task.Token in its Parameters`);
      }
    }
  } else if (resource === supportedTaskResources.eventsPutEvents) {
    problems.push(...putEventsProblems(state.Parameters, path));
  } else {
    const direct = supportedTaskResources.lambdaFunctionArn.exec(resource);
    if (!direct) {
      problems.push(
        `${path}: Task resource ${resource} is not supported by the local runtime ` +
          `(supported: ${supportedTaskResources.lambdaInvoke}, ${supportedTaskResources.lambdaInvokeWaitForTaskToken}, ` +
          `${supportedTaskResources.eventsPutEvents}, \${<Task>FunctionArn})`,
      );
    } else if (!taskNames.has(direct[1] ?? '')) {
      problems.push(`${path}: Resource ${resource} is not a registered task's function`);
    }
  }
  return problems;
}

/**
 * `Parameters.FunctionName` of a Lambda integration: in the ASL files `${<Task>FunctionArn}`; once substituted (as
 * the local runtime's CreateStateMachine sees it) the ARN of a registered task; or taken from the state's input
 * with `FunctionName.$`, which only the run can check.
 */
function functionNameProblems(
  parameters: Json,
  path: string,
  resource: string,
  taskKeys: Set<string>,
  taskNames: Set<string>,
  knownKeys: () => string,
): string[] {
  if (typeof parameters['FunctionName.$'] === 'string') return [];
  const functionKey = soleSubstitution(parameters.FunctionName);
  if (functionKey !== undefined) {
    return taskKeys.has(functionKey)
      ? []
      : [
          `${path}: Parameters.FunctionName \${${functionKey}} is not the ARN of a registered task (known: ${knownKeys()})`,
        ];
  }
  const literal = typeof parameters.FunctionName === 'string' ? parameters.FunctionName : '';
  const arn = supportedTaskResources.lambdaFunctionArn.exec(literal);
  if (arn && taskNames.has(arn[1] ?? '')) return [];
  return [
    `${path}: ${resource} needs Parameters.FunctionName set to \${<Task>FunctionArn} of a registered task`,
  ];
}

/**
 * `Parameters` of `events:putEvents`: an `Entries` list of 1 to 10 entries (or `Entries.$`), each with a `Source`,
 * `DetailType` and `Detail` (literal or `.$`) and sent to the app's bus: `EventBusName` is `${EventBusName}` (its
 * local value once substituted) or taken from the input. The state machine may put events on that bus only.
 */
function putEventsProblems(parameters: unknown, path: string): string[] {
  if (!isObject(parameters)) return [`${path}: events:putEvents needs Parameters with Entries`];
  if (typeof parameters['Entries.$'] === 'string') return [];
  const entries = parameters.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > maxPutEventsEntries) {
    return [
      `${path}: events:putEvents needs Parameters.Entries, a list of 1 to ${maxPutEventsEntries} entries`,
    ];
  }
  const problems: string[] = [];
  entries.forEach((entry: unknown, index) => {
    const at = `${path}.Parameters.Entries[${index}]`;
    if (!isObject(entry)) {
      problems.push(`${at}: an entry must be an object`);
      return;
    }
    for (const field of ['Source', 'DetailType', 'Detail']) {
      if (entry[field] === undefined && entry[`${field}.$`] === undefined) {
        problems.push(`${at}: ${field} is required`);
      }
    }
    if (entry.Detail !== undefined && !isJsonObjectText(entry.Detail)) {
      problems.push(`${at}: Detail must be a JSON object (or a string holding one)`);
    }
    const bus = entry.EventBusName;
    if (
      entry['EventBusName.$'] === undefined &&
      bus !== `\${${eventBusSubstitution}}` &&
      bus !== localEventBusName
    ) {
      problems.push(
        `${at}: EventBusName must be "\${${eventBusSubstitution}}" (the app's bus, the only one its state machines ` +
          `may put events on), not ${bus === undefined ? 'missing (the default bus)' : JSON.stringify(bus)}`,
      );
    }
  });
  return problems;
}

function isJsonObjectText(detail: unknown): boolean {
  if (typeof detail !== 'string') return isObject(detail);
  try {
    return isObject(JSON.parse(detail));
  } catch {
    return false;
  }
}

function localCompatibilityProblems(definition: Json, tasks: readonly TaskFunction[]): string[] {
  const problems: string[] = [];
  jsonataProblems(definition, '$', problems);
  const seen = new Map<string, string>();

  walkStates(definition.States, 'States', (name, state, path) => {
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push(
        `${path}: state name "${name}" is also used at ${earlier}; the local runtime keys task overrides by state name, ` +
          'so state names must be unique across all branches',
      );
    } else {
      seen.set(name, path);
    }

    for (const [field, reason] of Object.entries(unsupportedStateFields)) {
      if (field in state) problems.push(`${path}: ${reason}`);
    }
    // Catchers and Choice rules may carry Assign/Output too.
    const nested: [string, unknown][] = [
      ['Catch', state.Catch],
      ['Choices', state.Choices],
    ];
    for (const [listName, list] of nested) {
      if (!Array.isArray(list)) continue;
      list.forEach((entry: unknown, index) => {
        if (!isObject(entry)) return;
        for (const field of ['Assign', 'Output'] as const) {
          if (field in entry)
            problems.push(`${path}.${listName}[${index}]: ${unsupportedStateFields[field]}`);
        }
      });
    }

    if (state.Type === 'Map') {
      const modes = [
        isObject(state.ItemProcessor) ? state.ItemProcessor.ProcessorConfig : undefined,
        state.ProcessorConfig,
      ];
      if (modes.some((config) => isObject(config) && config.Mode === 'DISTRIBUTED')) {
        problems.push(`${path}: a DISTRIBUTED Map is not supported by the local runtime; use an INLINE Map`);
      }
    }
    if (state.Type === 'Task') problems.push(...taskProblems(state, path, tasks));
    if (state.Type === 'Wait' && typeof state.Seconds === 'number' && state.Seconds > maxWaitSeconds) {
      problems.push(
        `${path}: Wait of ${state.Seconds} s is longer than one year (${maxWaitSeconds} s), an execution's maximum`,
      );
    }
  });
  return problems;
}

/**
 * Problems with a workflow definition (its parsed JSON or its text, with `${...}` placeholders in place); empty
 * when it is valid ASL that the local runtime can run. Placeholders are replaced with local ARNs before
 * `asl-validator` runs, so ARN and path checks stay on.
 */
export function lintWorkflowDefinition(definition: unknown, opts: LintOptions = {}): string[] {
  const tasks = opts.tasks ?? taskFunctions;
  let text: string;
  let parsed: unknown;
  try {
    text = typeof definition === 'string' ? definition : JSON.stringify(definition);
    parsed = JSON.parse(text);
  } catch (error) {
    return [`not valid JSON: ${(error as Error).message}`];
  }
  if (!isObject(parsed)) return ['the definition must be a JSON object'];

  const problems = localCompatibilityProblems(parsed, tasks);

  let substituted: unknown;
  try {
    substituted = JSON.parse(applySubstitutions(text, workflowSubstitutions(localFunctionArn, tasks)));
  } catch (error) {
    const unknown = placeholdersIn(text).filter(
      (key) =>
        key !== eventBusSubstitution && !tasks.some((task) => functionArnSubstitution(task.name) === key),
    );
    problems.push(
      unknown.length > 0
        ? `unknown substitution(s) ${unknown.map((key) => `\${${key}}`).join(', ')}: only registered tasks' ` +
            `<Task>FunctionArn keys and ${eventBusSubstitution} exist`
        : `substitution failed: ${(error as Error).message}`,
    );
    return problems;
  }
  const result = validateAsl(substituted, { checkArn: true, checkPaths: true });
  for (const error of result.errors) problems.push(`asl-validator ${error['Error code']}: ${error.Message}`);
  return problems;
}
