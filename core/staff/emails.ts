/**
 * The staff domain's emails, built from plain parts (no I/O): the invitation and the sign-in link. Small on purpose:
 * the sign-in task imports it for `STAFF_LOGIN_LINK_VALID_SECONDS` without pulling the API's sign-in code in.
 */
import { renderEmail, type RenderedEmail } from '../email/render.js';
import type { Scope } from './model.js';

/** A staff login link is valid for an hour, like a member's (the sign-in email says so). */
export const STAFF_LOGIN_LINK_VALID_SECONDS = 3600;

/** The invitation email; `url` carries the link token (a credential: never logged). */
export function invitationEmail(input: {
  name: string;
  scopes: readonly Scope[];
  url: string;
  validForSeconds: number;
}): RenderedEmail {
  const { name, scopes, url, validForSeconds } = input;
  return renderEmail({
    subject: 'You are invited to help run the New Theatre alumni sites',
    greeting: `Hello ${name},`,
    paragraphs: [
      'You have been invited to join the staff of the New Theatre alumni sites.',
      scopes.length > 0
        ? `You will be able to: ${scopes.map(describeScope).join('; ')}.`
        : 'Your permissions will be given to you by an administrator.',
      'If you did not expect this, ignore this email: the invitation is removed when the link expires.',
    ],
    action: { label: 'Accept the invitation', url },
    footnote: linkLifetimeFootnote(validForSeconds),
  });
}

/** How long an invitation link works, in the words of its email. */
export function linkLifetimeFootnote(validForSeconds: number): string {
  const days = Math.floor(validForSeconds / 86400);
  const hours = Math.round(validForSeconds / 3600);
  return days >= 2
    ? `The link works once, for ${days} days.`
    : hours >= 1
      ? `The link works once, for ${hours} hours.`
      : 'The link works once, for a short time.';
}

/** A permission in the words of the invitation email. */
export function describeScope(scope: Scope): string {
  if (scope === 'network:admin') return 'manage all staff and their permissions';
  if (scope === 'network:read') return 'read every member and submission';
  const [, site, action] = scope.split(':');
  return action === 'admin'
    ? `manage the staff of the ${site} site`
    : `moderate the ${site} site's submissions`;
}

/** The sign-in email; `url` carries the link token (a credential: never logged). */
export function signInEmail(input: { name: string; url: string }): RenderedEmail {
  return renderEmail({
    subject: 'Your sign-in link for the New Theatre alumni staff pages',
    greeting: `Hello ${input.name},`,
    paragraphs: [
      'Someone (hopefully you) asked to sign in as New Theatre alumni staff with this email address.',
      'If it was not you, ignore this email: nothing happens unless the link is followed.',
    ],
    action: { label: 'Sign in', url: input.url },
    footnote: 'The link works once and is valid for 1 hour.',
  });
}

/** The URL of a staff link: `/staff/accept` or `/staff/signin` on the API, with the token. */
export function staffLinkUrl(publicApiUrl: string, path: '/staff/accept' | '/staff/signin', token: string) {
  const url = new URL(path, publicApiUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
