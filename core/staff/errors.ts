/**
 * The staff domain's errors: `DomainError`s under the catalogue's codes (`core/errors.ts`), so the API answers them
 * with the catalogue's status and a workflow task fails under the catalogue's workflow name. Each keeps its own name
 * (`StaffEmailTaken`, ...) for logs and for callers that tell them apart.
 */
import { DomainError } from '../errors.js';

/** The address is already a staff user's (invited or active). */
export class StaffEmailTaken extends DomainError {
  override name = 'StaffEmailTaken';
  constructor() {
    super('Conflict', 'This address already belongs to a staff user');
  }
}

/** The change would leave no active network admin. */
export class LastNetworkAdmin extends DomainError {
  override name = 'LastNetworkAdmin';
  constructor() {
    super('Conflict', 'The last network admin cannot be removed');
  }
}

/** `bootstrapNetworkAdmin` when an active network admin exists already. */
export class NetworkAdminExists extends DomainError {
  override name = 'NetworkAdminExists';
  constructor() {
    super('Conflict', 'A network admin exists already');
  }
}

export class StaffNotFound extends DomainError {
  override name = 'StaffNotFound';
  constructor() {
    super('NotFound', 'Staff user not found');
  }
}

/** `setInvitationExecution` for a user who is not (or no longer) invited. */
export class StaffNotInvited extends DomainError {
  override name = 'StaffNotInvited';
  constructor() {
    super('Conflict', 'The staff user is not invited');
  }
}

/** A malformed address, name or scope reached the repository (the API validates first). */
export class InvalidStaffInput extends DomainError {
  override name = 'InvalidStaffInput';
  constructor(message: string) {
    super('InvalidInput', message);
  }
}

/** Concurrent changes of the same user kept winning; the caller may try again. */
export class StaffChangeConflict extends DomainError {
  override name = 'StaffChangeConflict';
  constructor() {
    super('TryAgainLater', 'The staff user was changed concurrently; try again');
  }
}

/**
 * The invitation no longer belongs to this execution (accepted, expired, deleted or reinvited). The workflow
 * matches it as `InvalidInput` (never retried), which its `LoadInvitation` state turns into `InvitationNotPending`.
 */
export class InvitationNotPending extends DomainError {
  override name = 'InvitationNotPending';
  constructor() {
    super('InvalidInput', 'No pending invitation for this execution');
  }
}

/** Concurrent changes of the invited user kept winning (a workflow retries it as `RetryableError`). */
export class InvitationConflict extends DomainError {
  override name = 'InvitationConflict';
  constructor() {
    super('TryAgainLater', 'The invited staff user was changed concurrently');
  }
}
