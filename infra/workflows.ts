/**
 * Workflow discovery shared by the CDK stack and the local Step Functions runtime: both read the same
 * `statemachines/*.asl.json` files and resolve the same `${...}` definition substitutions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localDefaults } from '../core/config.js';
import { functionArnSubstitution, taskFunctions, type TaskFunction } from '../tasks/registry.js';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
export const statemachinesDir = join(repoRoot, 'statemachines');

const aslSuffix = '.asl.json';
const kebabCase = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const placeholder = /\$\{([^}]*)\}/g;

export interface WorkflowFile {
  /** File name without `.asl.json`, kebab-case, e.g. `member-registration`. */
  name: string;
  /** Absolute path of the ASL file. */
  file: string;
  /** The file's text, unmodified (placeholders still in place). */
  definitionText: string;
}

/** Every `*.asl.json` in `dir`, sorted by name. A missing directory means no workflows. */
export function listWorkflows(dir: string = statemachinesDir): WorkflowFile[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.endsWith(aslSuffix))
    .sort()
    .map((entry) => {
      const name = entry.slice(0, -aslSuffix.length);
      if (!kebabCase.test(name)) {
        throw new Error(`Workflow file ${join(dir, entry)}: the name "${name}" must be kebab-case`);
      }
      const file = join(dir, entry);
      return { name, file, definitionText: readFileSync(file, 'utf8') };
    });
}

/**
 * `${EventBusName}`: the app's EventBridge bus, for `arn:aws:states:::events:putEvents` entries. CDK substitutes the
 * stack's bus (`<stack>-events`) and grants `events:PutEvents` on it to each state machine that uses this key.
 */
export const eventBusSubstitution = 'EventBusName';

/** The bus name `${EventBusName}` stands for on the local runtime (and when definitions are linted). */
export const localEventBusName = 'lumina-local';

/** The app's resources, other than task functions, that definitions refer to by substitution. */
export interface WorkflowResources {
  /** The EventBridge bus's name, for `${EventBusName}`. */
  eventBusName: string;
}

export const localWorkflowResources: WorkflowResources = { eventBusName: localEventBusName };

/**
 * Every definition substitution: `${XFunctionArn}` → ARN for every registered task, and `${EventBusName}` → the
 * app's bus (by default the local one).
 */
export function workflowSubstitutions(
  functionArnFor: (task: TaskFunction) => string,
  tasks: readonly TaskFunction[] = taskFunctions,
  resources: WorkflowResources = localWorkflowResources,
): Record<string, string> {
  const substitutions: Record<string, string> = {};
  for (const task of tasks) substitutions[functionArnSubstitution(task.name)] = functionArnFor(task);
  substitutions[eventBusSubstitution] = resources.eventBusName;
  return substitutions;
}

/** The ARN a task function has on the local runtime (and the placeholder ARN used to lint definitions). */
export function localFunctionArn(task: Pick<TaskFunction, 'name'>): string {
  return `arn:aws:lambda:${localDefaults.region}:${localDefaults.accountId}:function:${task.name}`;
}

/** The distinct `${...}` keys in `text`, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(placeholder), (match) => match[1] ?? ''))];
}

/**
 * Replaces every `${Key}` with `substitutions[Key]`, as Step Functions does with `definitionSubstitutions`.
 * Throws, naming every unresolved placeholder, rather than leaving one for a deploy or a run to trip over.
 */
export function applySubstitutions(text: string, substitutions: Readonly<Record<string, string>>): string {
  const unresolved = placeholdersIn(text).filter((key) => !Object.hasOwn(substitutions, key));
  if (unresolved.length > 0) {
    const known = Object.keys(substitutions);
    throw new Error(
      `Unresolved definition substitution(s): ${unresolved.map((key) => `\${${key}}`).join(', ')}` +
        ` (known: ${known.length > 0 ? known.join(', ') : 'none'})`,
    );
  }
  return text.replace(placeholder, (_match, key: string) => substitutions[key] ?? '');
}
