/**
 * Staff sign-in by emailed link, in two halves so that `POST /staff/login` cannot tell anyone whether an address is
 * a staff user's, by its answer or by its time: the API stores the request and starts the `staff-sign-in` workflow,
 * the same two calls for any address (`requestStaffSignIn` in `service.ts`); the workflow's task looks the address
 * up and emails an active staff user a link within their sign-in allowance (`sendStaffSignInLink`). The address
 * travels in a request item (deleted when done; a TTL catches the rest), never in the execution's input or history.
 * This module is the workflow's half, with its dependencies handed in (the task's context), so a fast test can
 * replace each.
 */
import type { Clock } from '../clock.js';
import { requiredEnv } from '../config.js';
import type { RenderedEmail } from '../email/render.js';
import { DomainError, errorName, isTransientAwsError } from '../errors.js';
import { keys } from '../keys.js';
import type { LinkPurpose } from '../links.js';
import type { logger } from '../logger.js';
import { STAFF_LOGIN_LINK_VALID_SECONDS, signInEmail, staffLinkUrl } from './emails.js';
import type { StaffItem } from './model.js';
import type { StaffRepository } from './repository.js';

/** What the workflow's half needs (a task's context provides each). */
export interface SignInLinkDependencies {
  staff: Pick<StaffRepository, 'getSignInRequest' | 'deleteSignInRequest' | 'findStaffByEmail'>;
  /** The sign-in email allowance (`core/sign-in-limit.ts`). */
  allowance: {
    take(principal: string, now: Date): Promise<boolean>;
    giveBack(principal: string): Promise<void>;
  };
  links: {
    issue(staffId: string, purpose: LinkPurpose, validForSeconds: number): Promise<{ token: string }>;
  };
  mailer: { send(to: string, email: RenderedEmail): Promise<string> };
  clock: Clock;
  log: Pick<typeof logger, 'warn' | 'error'>;
}

/**
 * The workflow's step: emails the address a sign-in link if it is an active staff user's and their allowance has
 * one left, then forgets the request. Returns whether a link was sent (for the history: nothing personal). A
 * failure worth retrying (throttling, 5xx) gives the email back to the allowance and is thrown as `RetryableError`;
 * an email SES refuses for good is logged by name and not retried.
 */
export async function sendStaffSignInLink(
  requestId: string,
  deps: SignInLinkDependencies,
): Promise<{ sent: boolean }> {
  const request = await deps.staff.getSignInRequest(requestId);
  // Done already (a retry after the request was forgotten), or expired.
  if (!request) return { sent: false };
  const staff = await deps.staff.findStaffByEmail(request.email);
  const sent = staff?.status === 'active' ? await emailSignInLink(staff, deps) : false;
  // Best effort once the email is out: a failure here must not retry the step (a second email); the request's TTL
  // removes it anyway.
  await deps.staff
    .deleteSignInRequest(requestId)
    .catch((error: unknown) =>
      deps.log.warn('Staff sign-in request not deleted', { error: errorName(error) }),
    );
  return { sent };
}

async function emailSignInLink(staff: StaffItem, deps: SignInLinkDependencies): Promise<boolean> {
  const principal = keys.staffPartition(staff.id);
  // Over the allowance nothing is sent: a link went out less than one allowance interval ago and still works.
  if (!(await deps.allowance.take(principal, deps.clock.now()))) return false;
  try {
    const { token } = await deps.links.issue(staff.id, 'staff-login', STAFF_LOGIN_LINK_VALID_SECONDS);
    const url = staffLinkUrl(requiredEnv('PUBLIC_API_URL'), '/staff/signin', token);
    await deps.mailer.send(staff.email, signInEmail({ name: staff.name, url }));
    return true;
  } catch (error) {
    await deps.allowance.giveBack(principal).catch(() => undefined);
    if (isRetryable(error)) throw error;
    deps.log.error('Staff sign-in email not sent', { staffId: staff.id, error: errorName(error) });
    return false;
  }
}

/** A failure the workflow retries: the catalogue's `RetryableError`, or an AWS transient not yet mapped to it. */
function isRetryable(error: unknown): boolean {
  return error instanceof DomainError ? error.workflowName === 'RetryableError' : isTransientAwsError(error);
}
