/**
 * Logical ids that stay put when resources move into constructs.
 *
 * CloudFormation knows a resource by its logical id, which CDK derives from the construct path below the stack
 * (`AppTable/Resource` → `AppTable815C50BC`). A resource whose id changes is a new resource: CloudFormation creates it
 * and deletes (or, for the retained table, orphans) the old one, with its data. This stack's resources were first
 * written directly in the stack; the constructs in this directory group them without changing a single id:
 * each calls `keepStackLevelIds(this, prefix)`, which names everything under the construct as if the construct were
 * not there and its child `X` were a child `<prefix>X` of the construct's parent (its child `Default` as `<prefix>`).
 *
 *   new NodeFunction(stack, 'ApiFunction') with children Default, Logs, Role, and keepStackLevelIds(this, 'ApiFunction'):
 *     ApiFunction/Default/Resource → the id of ApiFunction/Resource      (was new NodejsFunction(stack, 'ApiFunction'))
 *     ApiFunction/Logs/Resource    → the id of ApiFunctionLogs/Resource  (was new LogGroup(stack, 'ApiFunctionLogs'))
 *
 * The ids are computed by CDK's own algorithm (`Names.uniqueId`) from the stack-level path, and applied with
 * `Stack.renameLogicalId` when the stack synthesises (an aspect, so resources added after a construct's constructor,
 * such as a role's default policy, are covered): from then on `Stack.getLogicalId` answers the kept id too, and CDK
 * fails the synth if a rename is left unused. `test/infra/logical-ids.test.ts` compares the whole template's ids
 * with a committed list.
 */
import { Aspects, CfnElement, Names, Stack, type IAspect } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/** The prefix each construct passed to `keepStackLevelIds`. */
const prefixes = new WeakMap<IConstruct, string>();

const renameToStackLevelId: IAspect = {
  visit(node: IConstruct): void {
    if (!CfnElement.isCfnElement(node)) return;
    const stack = node.stack;
    const current = stack.getLogicalId(node);
    const kept = stackLevelId(node, stack);
    if (kept !== current) stack.renameLogicalId(current, kept);
  },
};

/** Leaves `scope` out of the logical ids of everything under it (see the file's header). */
export function keepStackLevelIds(scope: Construct, prefix = ''): void {
  if (prefixes.has(scope)) return;
  prefixes.set(scope, prefix);
  Aspects.of(scope).add(renameToStackLevelId);
}

/** The id `element` would have if every construct that kept stack-level ids were left out of its path. */
export function stackLevelId(element: CfnElement, stack: Stack = element.stack): string {
  const scopes = element.node.scopes;
  const components: string[] = [];
  let pending = '';
  for (const scope of scopes.slice(scopes.indexOf(stack) + 1)) {
    const prefix = prefixes.get(scope);
    if (prefix !== undefined) {
      pending += prefix;
      continue;
    }
    const merged = pending + (scope.node.id === 'Default' ? '' : scope.node.id);
    pending = '';
    if (merged) components.push(merged);
  }
  return uniqueId(components);
}

/** CDK's logical id for a resource at `components` below a stack (the stack's own `allocateLogicalId`). */
function uniqueId(components: readonly string[]): string {
  // Names.uniqueId leaves out the root of the path, as the stack leaves out itself and its parents.
  let scope = new Construct(undefined as unknown as Construct, '');
  for (const component of components) scope = new Construct(scope, component);
  return Names.uniqueId(scope);
}
