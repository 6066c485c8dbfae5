/**
 * Staff users and their scoped permissions, after CompactConnect's user architecture: permissions are records tied
 * to the staff user (`STAFF#<id>` / `PERMISSION#...`); a staff session token carries the scopes computed from those
 * records when it is issued, and changing a user's permissions revokes their sessions.
 */
import { z } from 'zod';
import { settings } from '../settings.js';

/** Configured sites (areas); each submission belongs to one. `SITES`, comma-separated; default `history,alumni`. */
export function configuredSites(env: NodeJS.ProcessEnv = process.env): string[] {
  return settings.sites.read(env);
}

/**
 * A permission as a scope string:
 * - `network:read`   read every member and submission (network-wide only)
 * - `network:admin`  manage all staff and permissions
 * - `site:<site>:moderate`  decide that site's submissions
 * - `site:<site>:admin`     manage staff within that site
 */
export type Scope = `network:${'read' | 'admin'}` | `site:${string}:${'moderate' | 'admin'}`;

export const SCOPE_PATTERN = /^(network:(read|admin)|site:[a-z0-9-]{1,40}:(moderate|admin))$/;

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && SCOPE_PATTERN.test(value);
}

/** The permissions part of requests and responses: `{network: ['read'], sites: {history: ['moderate']}}`. */
export const PermissionsSchema = z.object({
  network: z
    .array(z.enum(['read', 'admin']))
    .max(2)
    .default([]),
  sites: z
    .record(z.string().regex(/^[a-z0-9-]{1,40}$/), z.array(z.enum(['moderate', 'admin'])).max(2))
    .default({}),
});
export type Permissions = z.infer<typeof PermissionsSchema>;

export function toScopes(permissions: Permissions): Scope[] {
  const scopes = new Set<Scope>();
  for (const action of permissions.network) scopes.add(`network:${action}`);
  for (const [site, actions] of Object.entries(permissions.sites)) {
    for (const action of actions) scopes.add(`site:${site}:${action}`);
  }
  return [...scopes].sort();
}

export function toPermissions(scopes: readonly string[]): Permissions {
  const permissions: Permissions = { network: [], sites: {} };
  for (const scope of scopes) {
    const [kind, a, b] = scope.split(':');
    if (kind === 'network' && (a === 'read' || a === 'admin')) permissions.network.push(a);
    if (kind === 'site' && a && (b === 'moderate' || b === 'admin')) (permissions.sites[a] ??= []).push(b);
  }
  permissions.network.sort();
  for (const actions of Object.values(permissions.sites)) actions.sort();
  return permissions;
}

export const StaffStatusSchema = z.enum(['invited', 'active']);
export type StaffStatus = z.infer<typeof StaffStatusSchema>;

export const ScopeSchema = z.custom<Scope>(isScope);

/** The staff user item, `STAFF#<id>` / `PROFILE`. Loose: a read-modify-write keeps attributes it does not name. */
export const StaffItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('staff'),
  id: z.string(),
  email: z.string(),
  name: z.string(),
  status: StaffStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Staff id of whoever invited them (`bootstrap` for the first admin). */
  invitedBy: z.string(),
  /** Invited only: the invitation execution's name and its task token (a credential). */
  invitationExecution: z.string().optional(),
  invitationTaskToken: z.string().optional(),
  activatedAt: z.string().optional(),
  /**
   * Moves by one with every change of the user's permissions (absent: 0). A staff session records the version its
   * scopes were read at and counts only while the profile still has it, so no session outlives a change.
   */
  permissionsVersion: z.number().int().optional(),
  gsi1pk: z.string(),
  gsi1sk: z.string(),
});
export type StaffItem = z.infer<typeof StaffItemSchema>;

/** The permission record, `STAFF#<id>` / `PERMISSION#...`. */
export const StaffPermissionItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('staff-permission'),
  staffId: z.string(),
  scope: ScopeSchema,
  grantedBy: z.string(),
  grantedAt: z.string(),
});
export type StaffPermissionItem = z.infer<typeof StaffPermissionItemSchema>;

/** The address item, `STAFF-EMAIL#<email>` / `STAFF-EMAIL`: one staff user per address. */
export const StaffEmailItemSchema = z.looseObject({ staffId: z.string() });

/** The active network admin counter, `STAFF-NETWORK-ADMINS` / `COUNT`. */
export const NetworkAdminCountSchema = z.looseObject({ count: z.number().optional() });

/** A `POST /staff/login` request, `STAFF-SIGNIN#<id>` / `REQUEST` (deleted when done; a TTL removes the rest). */
export const StaffSignInRequestItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('staff-sign-in-request'),
  email: z.string(),
  createdAt: z.string(),
  expiresAt: z.number(),
});
export type StaffSignInRequestItem = z.infer<typeof StaffSignInRequestItemSchema>;

/** A staff session, `STAFF#<id>` / `SESSION#<sid>` (`core/auth/staff-sessions.ts`). */
export const StaffSessionItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('staff-session'),
  staffId: z.string(),
  sessionId: z.string(),
  /** The scopes the token was issued with. */
  scopes: z.array(ScopeSchema),
  /** The profile's `permissionsVersion` the scopes were read at (absent: 0). */
  permissionsVersion: z.number().int().optional(),
  createdAt: z.string(),
  /** ISO time the session ends; checked on every request. */
  validUntil: z.string(),
  /** TTL (epoch seconds). */
  expiresAt: z.number(),
});
export type StaffSessionItem = z.infer<typeof StaffSessionItemSchema>;

/** What the API shows of a staff user. */
export interface StaffView {
  id: string;
  email: string;
  name: string;
  status: StaffStatus;
  createdAt: string;
  permissions: Permissions;
}

export function toStaffView(staff: StaffItem, scopes: readonly string[]): StaffView {
  return {
    id: staff.id,
    email: staff.email,
    name: staff.name,
    status: staff.status,
    createdAt: staff.createdAt,
    permissions: toPermissions(scopes),
  };
}
