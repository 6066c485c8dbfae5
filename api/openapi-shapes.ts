/**
 * The OpenAPI pieces every route module shares: lumina's two error shapes and the helper that documents a JSON
 * response. One definition, so `/openapi.json` has one `Error` and one `ValidationError` component.
 */
import { z } from '@hono/zod-openapi';
import { authMessages } from './auth/contract.js';

export const ErrorSchema = z
  .object({ detail: z.string().openapi({ example: authMessages.invalid }) })
  .openapi('Error', { description: 'lumina error shape' });

export const ValidationErrorSchema = z
  .object({
    detail: z.array(
      z.object({
        type: z.string().openapi({ example: 'missing' }),
        loc: z.array(z.union([z.string(), z.number()])).openapi({ example: ['body', 'token'] }),
        msg: z.string().openapi({ example: 'Field required' }),
      }),
    ),
  })
  .openapi('ValidationError');

/** A JSON response of `schema`, described. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
