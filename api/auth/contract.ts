/**
 * What the API's authentication gives a route. `api/auth/middleware.ts` implements it; routes only use these.
 */
import type { MemberItem } from '../../core/members/model.js';

export interface AuthenticatedMember {
  /** The active member the session belongs to, freshly read. */
  member: MemberItem;
  sessionId: string;
  /** ISO time the session ends. */
  expiresAt: string;
}

/** Hono context variables set by the `authenticate` middleware: `null` when no Authorization header was sent. */
export interface AuthVariables {
  auth: AuthenticatedMember | null;
}

export { authMessages } from '../../core/auth/messages.js';

/** The token of an `Authorization: Bearer <token>` header, or undefined for any other header. */
export function bearerToken(header: string): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(header)?.[1];
}
