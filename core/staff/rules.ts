/**
 * Who may do what to whom, as CompactConnect states it for compact and jurisdiction staff. Pure functions over
 * scopes, so every route and the tests use the same rules:
 * - a network admin can create, change and delete any staff user;
 * - a site admin can grant only site permissions within their own sites, can delete (or change) a user only if all
 *   of that user's permissions are within the admin's sites, and sees any other user as not found;
 * - nobody can raise their own permissions;
 * - the last network admin cannot be removed (checked by the repository, which can count them).
 */
import type { Scope } from './model.js';

const NETWORK_ADMIN: Scope = 'network:admin';

export function isNetworkAdmin(actor: readonly string[]): boolean {
  return actor.includes(NETWORK_ADMIN);
}

/** Sites the actor administers. */
export function adminSites(actor: readonly string[]): Set<string> {
  const sites = new Set<string>();
  for (const scope of actor) {
    const match = /^site:([^:]+):admin$/.exec(scope);
    if (match?.[1]) sites.add(match[1]);
  }
  return sites;
}

/** The site of a site scope, or undefined for a network scope. */
function siteOf(scope: string): string | undefined {
  return /^site:([^:]+):/.exec(scope)?.[1];
}

/** Whether the actor may grant (or take away) this one scope. */
export function canGrantScope(actor: readonly string[], scope: string): boolean {
  if (isNetworkAdmin(actor)) return true;
  const site = siteOf(scope);
  return site !== undefined && adminSites(actor).has(site);
}

/**
 * Whether the actor may see the target at all. A network admin or reader sees everyone; a site admin sees a user
 * whose every permission lies within the admin's sites (a user with none, such as a fresh invitee without scopes,
 * is visible only to network admins and readers). Anyone sees themself.
 */
export function canSee(
  actor: readonly string[],
  actorId: string,
  targetId: string,
  target: readonly string[],
) {
  if (actorId === targetId) return true;
  if (isNetworkAdmin(actor) || actor.includes('network:read')) return true;
  const sites = adminSites(actor);
  return sites.size > 0 && target.length > 0 && target.every((scope) => sites.has(siteOf(scope) ?? '\u0000'));
}

/** Whether the actor may manage (change permissions of, delete, reinvite) the target. */
export function canManage(
  actor: readonly string[],
  actorId: string,
  targetId: string,
  target: readonly string[],
) {
  if (isNetworkAdmin(actor)) return true;
  if (actorId === targetId) return false;
  const sites = adminSites(actor);
  return sites.size > 0 && target.length > 0 && target.every((scope) => sites.has(siteOf(scope) ?? '\u0000'));
}

export type ChangeRefusal = 'raise-own' | 'not-grantable';

/**
 * Checks a change of the target's scopes from `before` to `after`. Every scope added or removed must be grantable by
 * the actor; an actor changing themself may only remove scopes (nobody can raise their own permissions).
 */
export function checkPermissionChange(
  actor: readonly string[],
  actorId: string,
  targetId: string,
  before: readonly string[],
  after: readonly string[],
): ChangeRefusal | undefined {
  const added = after.filter((scope) => !before.includes(scope));
  const removed = before.filter((scope) => !after.includes(scope));
  if (actorId === targetId && added.length > 0) return 'raise-own';
  if (![...added, ...removed].every((scope) => canGrantScope(actor, scope))) return 'not-grantable';
  return undefined;
}

/** Whether the scopes allow reading a site's submissions in full (the queue, pending and rejected ones, the text). */
export function canReadSubmissions(actor: readonly string[], site: string): boolean {
  return (
    actor.includes('network:read') ||
    isNetworkAdmin(actor) ||
    actor.includes(`site:${site}:moderate`) ||
    actor.includes(`site:${site}:admin`)
  );
}

/** Whether the scopes allow claiming and deciding a site's submissions: `moderate` on that site, nothing else. */
export function canModerate(actor: readonly string[], site: string): boolean {
  return actor.includes(`site:${site}:moderate`);
}
