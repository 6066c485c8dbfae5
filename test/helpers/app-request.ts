import type { Hono } from 'hono';

export interface AppCallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
}

/** One request to the app in-process: the status, the body (parsed when JSON) and the headers. */
export async function callApp(
  app: Pick<Hono, 'request'>,
  method: string,
  path: string,
  options: AppCallOptions = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await app.request(path, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    body: (type.includes('json') && text ? JSON.parse(text) : text) as unknown,
    headers: response.headers,
  };
}
