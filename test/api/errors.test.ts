import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it, vi } from 'vitest';
import { HttpError, errorHandler, notFound, validationErrorHook } from '../../api/errors.js';
import { logger } from '../../core/logger.js';

/** A throwaway app wired exactly like createApp's error handling, with a route that takes a body. */
function appWithBodyRoute() {
  const app = new OpenAPIHono({ defaultHook: validationErrorHook });
  const route = createRoute({
    method: 'post',
    path: '/members/{id}',
    request: {
      params: z.object({ id: z.uuid() }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.object({ fullName: z.string(), email: z.email(), yearOfGraduation: z.number().int() }),
          },
        },
      },
    },
    responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.literal('OK') } } } },
  });
  app.openapi(route, (c) => c.json('OK' as const, 200));
  app.get('/conflict', () => {
    throw new HttpError(409, 'Member already exists');
  });
  app.get('/bug', () => {
    throw new Error('internal detail that must not reach the client');
  });
  app.notFound(notFound);
  app.onError(errorHandler);
  return app;
}

const id = '0b7e4a1c-5d1f-4c53-9a43-5b0d1f3c2a11';
const post = (path: string, body: string) =>
  appWithBodyRoute().request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('lumina error contract', () => {
  it('answers a body validation failure with 422 and FastAPI-style details', async () => {
    const response = await post(
      `/members/${id}`,
      JSON.stringify({ email: 'not-an-email', yearOfGraduation: 2001 }),
    );
    expect(response.status).toBe(422);
    const { detail } = (await response.json()) as { detail: { type: string; loc: unknown[]; msg: string }[] };
    expect(detail).toEqual(
      expect.arrayContaining([
        { type: 'missing', loc: ['body', 'fullName'], msg: 'Field required' },
        { type: 'invalid_format', loc: ['body', 'email'], msg: expect.any(String) },
      ]),
    );
  });

  it('locates path parameter failures under "path"', async () => {
    const response = await post(
      '/members/not-a-uuid',
      JSON.stringify({ fullName: 'A', email: 'a@b.co', yearOfGraduation: 1 }),
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ detail: [{ loc: ['path', 'id'] }] });
  });

  it('answers malformed JSON with 400 and a clear detail', async () => {
    const response = await post(`/members/${id}`, '{"fullName": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: 'Malformed JSON in request body' });
  });

  it('answers app errors with {"detail": message}', async () => {
    const response = await appWithBodyRoute().request('/conflict');
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ detail: 'Member already exists' });
  });

  it('hides unexpected errors behind a generic 500 and logs them', async () => {
    const logError = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const response = await appWithBodyRoute().request('/bug');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ detail: 'Internal Server Error' });
    expect(logError).toHaveBeenCalledWith('Unhandled error', expect.objectContaining({ route: '/bug' }));
    logError.mockRestore();
  });
});
