/**
 * The API's side of the staff domain: who may see and manage whom (`rules.ts`) applied to what the repository
 * reads, and the invitation and sign-in workflows started and stopped around the repository's changes. A staff
 * user another may not see is "not found" (404), never "forbidden": a site admin cannot probe for users outside
 * their sites. Refusals are `DomainError`s with the API's messages; routes only parse, call and answer.
 */
import { randomUUID } from 'node:crypto';
import { authMessages } from '../auth/messages.js';
import { systemClock } from '../clock.js';
import { DomainError } from '../errors.js';
import { logger } from '../logger.js';
import { LastNetworkAdmin, StaffEmailTaken, StaffNotInvited } from './errors.js';
import { staffMessages } from './messages.js';
import { toStaffView, type Scope, type StaffItem, type StaffView } from './model.js';
import {
  createInvitation,
  deleteStaff,
  deleteSignInRequest,
  findStaffByEmail,
  getStaff,
  listStaff,
  newInvitedStaff,
  putSignInRequest,
  replaceScopes,
  scopesOf,
  setInvitationExecution,
  staffInvitationExecutionName,
} from './repository.js';
import { canGrantScope, canManage, canSee, checkPermissionChange, reinviteExecutionName } from './rules.js';
import { startInvitation, startSignIn, stopInvitation } from './workflows.js';

/** The signed-in staff user acting: their id and the scopes their session carries. */
export interface StaffActor {
  id: string;
  scopes: readonly Scope[];
}

const notFound = () => new DomainError('NotFound', staffMessages.notFound);
const forbidden = () => new DomainError('Forbidden', authMessages.forbidden);

/**
 * Stores the sign-in request and starts `staff-sign-in` named after it: the same work whatever the address. If
 * the workflow cannot be started, the request is removed and the failure thrown (again the same for any address).
 */
export async function requestStaffSignIn(email: string, now: Date = systemClock.now()): Promise<void> {
  const requestId = randomUUID();
  await putSignInRequest(requestId, email, now);
  await startSignIn(requestId).catch(async (error: unknown) => {
    await deleteSignInRequest(requestId).catch(() => undefined);
    throw error;
  });
}

/** The target with their scopes, or 404 when there is none or the caller may not see them. */
export async function visibleTarget(
  actor: StaffActor,
  staffId: string,
): Promise<{ staff: StaffItem; scopes: Scope[] }> {
  const [staff, scopes] = await Promise.all([getStaff(staffId), scopesOf(staffId)]);
  if (!staff || !canSee(actor.scopes, actor.id, staffId, scopes)) throw notFound();
  return { staff, scopes };
}

/** May `actor` manage (delete, reinvite) user `staffId`, who has `scopes`? 404 unseen, 403 not theirs. */
function authoriseManagement(actor: StaffActor, staffId: string, scopes: readonly Scope[]): void {
  if (!canSee(actor.scopes, actor.id, staffId, scopes)) throw notFound();
  if (!canManage(actor.scopes, actor.id, staffId, scopes)) throw forbidden();
}

/** The target, if the caller may manage them: 404 when not visible, 403 when visible but not theirs to manage. */
async function managedTarget(actor: StaffActor, staffId: string) {
  const target = await visibleTarget(actor, staffId);
  authoriseManagement(actor, staffId, target.scopes);
  return target;
}

/**
 * May `actor` change user `staffId` from `before` to `after`? 404 when they may not see the user, 403 when the
 * change is not theirs to make. Anyone may give up their own permissions, never raise them.
 */
function authorisePermissionChange(
  actor: StaffActor,
  staffId: string,
  before: readonly Scope[],
  after: readonly Scope[],
): void {
  if (!canSee(actor.scopes, actor.id, staffId, before)) throw notFound();
  const refusal = checkPermissionChange(actor.scopes, actor.id, staffId, before, after);
  if (refusal === 'raise-own') throw new DomainError('Forbidden', staffMessages.raiseOwn);
  if (staffId === actor.id) return;
  if (!canManage(actor.scopes, actor.id, staffId, before) || refusal) throw forbidden();
}

/** Whether the caller may see the staff user holding `email` (true when nobody holds it any more). */
async function canSeeOwnerOf(actor: StaffActor, email: string): Promise<boolean> {
  const owner = await findStaffByEmail(email);
  if (!owner) return true;
  return canSee(actor.scopes, actor.id, owner.id, await scopesOf(owner.id));
}

/** `LastNetworkAdmin` in the API's words (409); anything else unchanged. */
function asLastNetworkAdmin(error: unknown): never {
  if (error instanceof LastNetworkAdmin) throw new DomainError('Conflict', staffMessages.lastNetworkAdmin);
  throw error;
}

/**
 * Invites a staff user with `scopes` (each one the actor may grant) and starts the invitation workflow. An address
 * that is a staff user's already is 409 if the actor may see that user; otherwise the answer is the same as for an
 * invitation (a new id, nothing stored or sent), so a site admin cannot probe addresses.
 */
export async function inviteStaff(
  actor: StaffActor,
  input: { email: string; name: string; scopes: Scope[] },
  now: Date = systemClock.now(),
): Promise<StaffView> {
  const { email, name, scopes } = input;
  if (!scopes.every((scope) => canGrantScope(actor.scopes, scope))) throw forbidden();
  let invited: StaffItem;
  try {
    invited = await createInvitation({ email, name, scopes, invitedBy: actor.id }, now);
  } catch (error) {
    if (!(error instanceof StaffEmailTaken)) throw error;
    if (await canSeeOwnerOf(actor, email)) throw new DomainError('Conflict', staffMessages.emailTaken);
    // The address is a staff user's whom the caller may not see: a 409 would reveal them (a site admin could
    // probe any address). Answer as an invitation would, but store and send nothing.
    logger.warn('Staff invitation refused: the address belongs to a user the inviter cannot see', {
      invitedBy: actor.id,
    });
    // The same item an invitation stores, with a new id, but not stored.
    return toStaffView(newInvitedStaff({ email, name, invitedBy: actor.id }, now), scopes);
  }
  const executionName = invited.invitationExecution ?? staffInvitationExecutionName(invited.id, now);
  if (executionName !== invited.invitationExecution)
    await setInvitationExecution(invited.id, executionName, now);
  await startInvitation(invited.id, executionName);
  logger.info('Staff user invited', { staffId: invited.id, invitedBy: actor.id, scopes });
  return toStaffView(invited, scopes);
}

/**
 * Replaces the user's permissions, authorised against the scopes each attempt of the change reads, so a
 * concurrent change cannot slip in between the check and the write.
 */
export async function changePermissions(
  actor: StaffActor,
  staffId: string,
  after: Scope[],
  now: Date = systemClock.now(),
): Promise<StaffView> {
  const changed = await replaceScopes(
    staffId,
    after,
    actor.id,
    (target) => authorisePermissionChange(actor, staffId, target.scopes, after),
    now,
  ).catch(asLastNetworkAdmin);
  logger.info('Staff permissions changed', { staffId, by: actor.id, after: changed.after });
  return toStaffView(changed.staff, changed.after);
}

/** Deletes a user the actor may manage; a pending invitation's execution is stopped first. */
export async function removeStaff(actor: StaffActor, staffId: string, now: Date = systemClock.now()) {
  const target = await managedTarget(actor, staffId);
  if (target.staff.status === 'invited' && target.staff.invitationExecution) {
    await stopInvitation(target.staff.invitationExecution);
  }
  await deleteStaff(staffId, (current) => authoriseManagement(actor, staffId, current.scopes), now).catch(
    asLastNetworkAdmin,
  );
  logger.info('Staff user deleted', { staffId, by: actor.id });
}

/** Restarts an invitation: the pending execution is stopped (its link stops working), a new one started. */
export async function reinviteStaff(actor: StaffActor, staffId: string, now: Date = systemClock.now()) {
  const target = await managedTarget(actor, staffId);
  const notInvited = () => new DomainError('Conflict', staffMessages.notInvited);
  if (target.staff.status !== 'invited') throw notInvited();
  const previous = target.staff.invitationExecution;
  if (previous) await stopInvitation(previous);
  const executionName = reinviteExecutionName(staffId, previous, now);
  await setInvitationExecution(staffId, executionName, now).catch((error: unknown) => {
    throw error instanceof StaffNotInvited ? notInvited() : error;
  });
  await startInvitation(staffId, executionName);
  logger.info('Staff user reinvited', { staffId, by: actor.id });
}

/** Pages of the table read at most to fill one page of visible users. */
const MAX_PAGES_PER_REQUEST = 10;

/**
 * A page of the users the caller may see. The table is read a page at a time until `limit` visible users are
 * found (each read asks only for what is still missing, so the cursor handed back is exact) or it ends.
 * `undefined` for a cursor this API did not hand out.
 */
export async function visiblePage(
  actor: StaffActor,
  limit: number,
  cursor: string | undefined,
): Promise<{ items: StaffView[]; cursor: string | null } | undefined> {
  const items: StaffView[] = [];
  let next = cursor;
  for (let pages = 0; pages < MAX_PAGES_PER_REQUEST && items.length < limit; pages++) {
    let page: Awaited<ReturnType<typeof listStaff>>;
    try {
      page = await listStaff({ limit: limit - items.length, ...(next ? { cursor: next } : {}) });
    } catch (error) {
      if (error instanceof Error && error.name === 'InvalidCursor') return undefined;
      throw error;
    }
    for (const { staff, scopes } of page.items) {
      if (canSee(actor.scopes, actor.id, staff.id, scopes)) items.push(toStaffView(staff, scopes));
    }
    next = page.cursor;
    if (!next) break;
  }
  return { items, cursor: next ?? null };
}
