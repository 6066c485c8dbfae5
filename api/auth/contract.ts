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

/**
 * The credentials of an `Authorization: Bearer <credentials>` header; undefined without the header, for another
 * scheme (`Basic ...`) and for a Bearer without credentials. Like lumina's (FastAPI's `HTTPBearer`), such a request
 * is unauthenticated: anonymous where authentication is optional, `Authorization required` where it is not.
 */
export function bearerToken(header: string | undefined): string | undefined {
  const credentials = /^Bearer\s+(.*)$/i.exec(header?.trim() ?? '')?.[1];
  return credentials || undefined;
}
