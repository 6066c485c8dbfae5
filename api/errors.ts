import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import type { ZodError } from 'zod';
import { BodyTooDeepError, camelizeKeys } from '../core/case.js';
import { DomainError } from '../core/errors.js';
import { logger } from '../core/logger.js';
import { HttpError } from './http-error.js';

export { HttpError };

/*
 * lumina's (FastAPI's) error contract, which the alumni sites parse: app errors are `{"detail": "<message>"}`,
 * validation failures are 422 `{"detail": [{"type", "loc", "msg"}]}` with `loc` like `["body", "email"]`.
 */

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
}

/** Where FastAPI says a value came from, by Hono validation target. */
const locationByTarget: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'cookie',
};

/**
 * A 422 for one query parameter, in the same shape as a failed zod validation: for the checks a schema cannot make
 * (a cursor this API did not hand out, a site that is not configured).
 */
export function queryValueError(c: Context, field: string, msg: string) {
  return c.json({ detail: [{ type: 'value_error', loc: ['query', field], msg }] }, 422);
}

/** The `defaultHook` of every route: turns a failed zod validation into lumina's 422 shape. */
export function validationErrorHook(
  result:
    { target: string; success: true; data: unknown } | { target: string; success: false; error: ZodError },
  c: Context,
): Response | undefined {
  if (result.success) return undefined;
  // zod-validator also hands over the raw input; it tells a missing field from a wrong one. Bodies are validated
  // after their snake_case keys are camelized, and issue paths are camelCase, so look the value up the same way.
  const input = camelizeKeys('data' in result ? result.data : undefined);
  const location = locationByTarget[result.target] ?? result.target;
  const detail = result.error.issues.map((issue) => toValidationIssue(issue, location, input));
  return c.json({ detail }, 422);
}

function toValidationIssue(
  issue: ZodError['issues'][number],
  location: string,
  input: unknown,
): ValidationIssue {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  const loc = [location, ...path];
  if (issue.code === 'invalid_type' && valueAt(input, path) === undefined) {
    return { type: 'missing', loc, msg: 'Field required' };
  }
  const type = issue.code === 'invalid_type' ? `${issue.expected}_type` : issue.code;
  return { type, loc, msg: issue.message };
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  let current = value;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

export const notFound: NotFoundHandler = (c) => c.json({ detail: 'Not Found' }, 404);

/**
 * Errors the app meant (HttpError, Hono's HTTPException such as "Malformed JSON in request body") keep their status
 * and message; anything else is a bug: logged with its stack (never the request), answered with a generic 500.
 */
export const errorHandler: ErrorHandler = (error, c) => {
  if (error instanceof HttpError) {
    return c.json({ detail: error.message }, error.status);
  }
  // The catalogue's status; a transient AWS failure is answered like any unexpected one (its name is logged).
  if (error instanceof DomainError && error.status !== 500) {
    return c.json({ detail: error.message }, error.status);
  }
  // Thrown while a body is camelized (before zod sees it): a validation failure of the body as a whole.
  if (error instanceof BodyTooDeepError) {
    const detail: ValidationIssue[] = [{ type: 'value_error', loc: ['body'], msg: error.message }];
    return c.json({ detail }, 422);
  }
  if (error instanceof HTTPException) {
    return c.json({ detail: error.message || 'Bad Request' }, error.status);
  }
  logger.error('Unhandled error', {
    route: routePath(c),
    error: error instanceof DomainError ? error.name : error,
  });
  return c.json({ detail: 'Internal Server Error' }, 500);
};
