/**
 * Who may do what to whom, as CompactConnect states it for compact and jurisdiction staff. Pure functions over
 * scopes, so every route and the tests use the same rules:
 * - a network admin can create, change and delete any staff user;
 * - a site admin can grant only site permissions within their own sites, can delete (or change) a user only if all
 *   of that user's permissions are within the admin's sites, and sees any other user as not found;
 * - nobody can raise their own permissions;
 * - the last network admin cannot be removed (checked by the repository, which can count them).
 */
import { epochSeconds } from '../keys.js';
import type { Scope, StaffItem } from './model.js';

export const NETWORK_ADMIN: Scope = 'network:admin';

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

// ------------------------------------------------------------------------------------------------ invitations

/**
 * Whether the invitation is pending and belongs to `executionName`: every step of the invitation workflow acts only
 * then, so after a reinvite names a new execution the old one can neither store a token, activate nor delete.
 */
export function ownsInvitation(staff: StaffItem | undefined, executionName: string): staff is StaffItem {
  return staff?.status === 'invited' && staff.invitationExecution === executionName;
}

/** Whether the user was activated by the acceptance at `acceptedAt` already (a retried activation is a no-op). */
export function isActivatedBy(staff: StaffItem | undefined, acceptedAt: string): boolean {
  return staff?.status === 'active' && staff.activatedAt === acceptedAt;
}

/** `staff-invite-<staffId>-<epoch seconds>`: the invitation workflow's execution name (at most 80 characters). */
export function staffInvitationExecutionName(staffId: string, now: Date): string {
  return `staff-invite-${staffId}-${epochSeconds(now)}`;
}

/**
 * The execution name of a reinvite. Names are per second: a reinvite within the same second as the previous
 * invitation gets a suffix (the milliseconds), so it never reuses the previous execution's name.
 */
export function reinviteExecutionName(staffId: string, previous: string | undefined, now: Date): string {
  const name = staffInvitationExecutionName(staffId, now);
  return previous?.startsWith(name) ? `${name}-${now.getTime() % 1000}` : name;
}

/** A timestamp strictly after `previous`, so a conditional `updatedAt = :read` always sees a change. */
export function nextTimestamp(previous: string | undefined, now: Date): string {
  const last = previous ? Date.parse(previous) : Number.NaN;
  return new Date(Number.isNaN(last) ? now.getTime() : Math.max(now.getTime(), last + 1)).toISOString();
}

/** What accepting an invitation link does, given the link and the user as read now. */
export type AcceptanceDecision =
  /** Answer the waiting workflow's task token. */
  | 'answer'
  /** Activated by this very link already (a retry after a slow activation): sign in. */
  | 'accepted'
  /** The workflow has not stored its task token yet: try again in a minute. */
  | 'setting-up'
  /** A deleted user, an earlier invitation's link, or an invitation accepted by another link. */
  | 'expired';

export function acceptanceDecision(
  staff: StaffItem | undefined,
  link: { invitationExecution?: string | undefined; acceptedAt?: string | undefined },
): AcceptanceDecision {
  if (!staff) return 'expired';
  if (staff.status === 'active') {
    return link.acceptedAt !== undefined && staff.activatedAt === link.acceptedAt ? 'accepted' : 'expired';
  }
  // Reinvited since: only the newest invitation's link answers.
  if (link.invitationExecution && staff.invitationExecution !== link.invitationExecution) return 'expired';
  if (!staff.invitationTaskToken) return 'setting-up';
  return 'answer';
}

// ------------------------------------------------------------------------------------------------ links

/** Why a staff link is refused before it is claimed: `invalid` (unknown, expired, another purpose) or `used`. */
export function staffLinkRefusal(
  link: { validUntil: string; purpose: string; redeemedAt?: string | undefined } | undefined,
  purpose: 'staff-login' | 'staff-invite',
  now: Date,
): 'invalid' | 'used' | undefined {
  if (!link || Date.parse(link.validUntil) <= now.getTime() || link.purpose !== purpose) return 'invalid';
  if (link.redeemedAt) return 'used';
  return undefined;
}

// ------------------------------------------------------------------------------------------------ sessions

/** The permissions version of a profile (absent: 0). */
export function permissionsVersionOf(staff: Pick<StaffItem, 'permissionsVersion'>): number {
  return staff.permissionsVersion ?? 0;
}

/** Valid while it exists, has not reached `validUntil`, and its user's permissions are still those it was issued with. */
export function isStaffSessionValid<
  S extends { entity: string; staffId: string; permissionsVersion?: number | undefined; validUntil: string },
>(session: S | undefined, staff: StaffItem, now: Date): session is S {
  return (
    session !== undefined &&
    session.entity === 'staff-session' &&
    session.staffId === staff.id &&
    (session.permissionsVersion ?? 0) === permissionsVersionOf(staff) &&
    Date.parse(session.validUntil) > now.getTime()
  );
}
