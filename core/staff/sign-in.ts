/**
 * Staff sign-in by emailed link, in two halves so that `POST /staff/login` cannot tell anyone whether an address is
 * a staff user's, by its answer or by its time: the API stores the request and starts the `staff-sign-in` workflow,
 * the same two calls for any address (`requestStaffSignIn`); the workflow's task looks the address up and emails an
 * active staff user a link within their sign-in allowance (`sendStaffSignInLink`). The address travels in a request
 * item (deleted when done; a TTL catches the rest), never in the execution's input or history.
 */
import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { STAFF_LOGIN_LINK_VALID_SECONDS } from '../auth/staff-links.js';
import { documentClient, sfnClient, tableName } from '../aws-clients.js';
import { requiredEnv, stateMachineArnVariable } from '../config.js';
import { renderEmail } from '../email/render.js';
import { sendEmail } from '../email/send.js';
import { WorkflowTaskError, errorName } from '../errors.js';
import { epochSeconds, keys } from '../keys.js';
import { issueLinkToken } from '../links.js';
import { logger } from '../logger.js';
import { returnSignInEmail, takeSignInEmail } from '../sign-in-limit.js';
import type { StaffItem } from './model.js';
import { findStaffByEmail } from './repository.js';

/** A request is worked on within seconds; a day is plenty for retries and a paused workflow. */
const REQUEST_KEPT_SECONDS = 24 * 3600;

interface StaffSignInRequestItem {
  pk: string;
  sk: string;
  entity: 'staff-sign-in-request';
  email: string;
  createdAt: string;
  expiresAt: number;
}

/**
 * Stores the request and starts `staff-sign-in` named after it: the same work whatever the address. If the
 * workflow cannot be started, the request is removed and the failure thrown (again the same for any address).
 */
export async function requestStaffSignIn(email: string): Promise<void> {
  const requestId = randomUUID();
  const now = new Date();
  const item: StaffSignInRequestItem = {
    ...keys.staffSignInRequest(requestId),
    entity: 'staff-sign-in-request',
    email,
    createdAt: now.toISOString(),
    expiresAt: epochSeconds(now) + REQUEST_KEPT_SECONDS,
  };
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: item }));
  try {
    await sfnClient.send(
      new StartExecutionCommand({
        stateMachineArn: requiredEnv(stateMachineArnVariable('staff-sign-in')),
        name: `staff-signin-${requestId}`,
        input: JSON.stringify({ requestId }),
      }),
    );
  } catch (error) {
    await documentClient
      .send(new DeleteCommand({ TableName: tableName(), Key: keys.staffSignInRequest(requestId) }))
      .catch(() => undefined);
    throw error;
  }
}

/**
 * The workflow's step: emails the address a sign-in link if it is an active staff user's and their allowance has
 * one left, then forgets the request. Returns whether a link was sent (for the history: nothing personal). A
 * failure worth retrying (throttling, 5xx) gives the email back to the allowance and throws `RetryableError`; an
 * email SES refuses for good is logged by name and not retried.
 */
export async function sendStaffSignInLink(requestId: string): Promise<{ sent: boolean }> {
  const key = keys.staffSignInRequest(requestId);
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  const request = Item as StaffSignInRequestItem | undefined;
  // Done already (a retry after the request was forgotten), or expired.
  if (!request) return { sent: false };
  const staff = await findStaffByEmail(request.email);
  const sent = staff?.status === 'active' ? await emailSignInLink(staff) : false;
  // Best effort once the email is out: a failure here must not retry the step (a second email); the request's TTL
  // removes it anyway.
  await documentClient
    .send(new DeleteCommand({ TableName: tableName(), Key: key }))
    .catch((error: unknown) => logger.warn('Staff sign-in request not deleted', { error: errorName(error) }));
  return { sent };
}

async function emailSignInLink(staff: StaffItem): Promise<boolean> {
  const principal = keys.staffPartition(staff.id);
  // Over the allowance nothing is sent: a link went out less than one allowance interval ago and still works.
  if (!(await takeSignInEmail(principal))) return false;
  try {
    const { token } = await issueLinkToken(staff.id, 'staff-login', STAFF_LOGIN_LINK_VALID_SECONDS);
    const url = new URL('/staff/signin', requiredEnv('PUBLIC_API_URL'));
    url.searchParams.set('token', token);
    const email = renderEmail({
      subject: 'Your sign-in link for the New Theatre alumni staff pages',
      greeting: `Hello ${staff.name},`,
      paragraphs: [
        'Someone (hopefully you) asked to sign in as New Theatre alumni staff with this email address.',
        'If it was not you, ignore this email: nothing happens unless the link is followed.',
      ],
      action: { label: 'Sign in', url: url.toString() },
      footnote: 'The link works once and is valid for 1 hour.',
    });
    await sendEmail(staff.email, email);
    return true;
  } catch (error) {
    await returnSignInEmail(principal).catch(() => undefined);
    if (error instanceof WorkflowTaskError) throw error;
    logger.error('Staff sign-in email not sent', { staffId: staff.id, error: errorName(error) });
    return false;
  }
}
