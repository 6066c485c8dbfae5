/**
 * What the staff route modules share: the OpenAPI schemas of staff users and sessions, the common responses, the
 * body limit, and the caller as the service sees them.
 */
import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { staffLinkMessages } from '../../../core/auth/staff-links.js';
import { staffMessages } from '../../../core/staff/messages.js';
import { PermissionsSchema, configuredSites } from '../../../core/staff/model.js';
import type { StaffActor } from '../../../core/staff/service.js';
import { authMessages } from '../../auth/contract.js';
import type { AuthenticatedStaff, StaffVariables } from '../../auth/staff-middleware.js';
import { ErrorSchema, ValidationErrorSchema, json } from '../../openapi-shapes.js';

export type StaffEnv = { Variables: StaffVariables };
/** The app the staff routes are registered on. */
export type StaffApp = OpenAPIHono<StaffEnv>;
/** Registers one route (with its handler) on the staff app. */
export type StaffRegistrar = (staff: StaffApp) => unknown;

const MAX_BODY_BYTES = 16 * 1024;

export const bearer = [{ bearerAuth: [] }];
export const OkSchema = z.literal('OK').openapi({ example: 'OK' });

export const PermissionsBodySchema = PermissionsSchema.openapi('StaffPermissions', {
  description:
    'Network-wide `read` and `admin`; per site `moderate` and `admin`. ' +
    'Example: `{"network": [], "sites": {"history": ["moderate"]}}`.',
});

export const StaffViewSchema = z
  .object({
    id: z.string().openapi({ example: '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10' }),
    email: z.string().openapi({ example: 'ada@newtheatre.org.uk' }),
    name: z.string().openapi({ example: 'Ada Lovelace' }),
    status: z.enum(['invited', 'active']),
    createdAt: z.string(),
    permissions: PermissionsBodySchema,
  })
  .openapi('StaffUser');

export const StaffSessionSchema = z
  .object({
    sessionToken: z.string().openapi({ description: 'Send as `Authorization: Bearer <sessionToken>`' }),
    staffId: z.string(),
    expiresAt: z.string().openapi({ description: 'ISO time the session ends (12 hours)' }),
    scopes: z.array(z.string()).openapi({ example: ['site:history:moderate'] }),
  })
  .openapi('StaffSession');

/** Every site named must be configured (`SITES`); read per request, like the other settings. */
export function refineSites(
  permissions: { sites: Record<string, unknown> },
  context: z.RefinementCtx,
  path: string[],
) {
  const sites = configuredSites();
  for (const site of Object.keys(permissions.sites)) {
    if (!sites.includes(site)) {
      context.addIssue({
        code: 'custom',
        path: [...path, 'sites', site],
        message: staffMessages.unknownSite,
      });
    }
  }
}

export const StaffIdParams = z.object({
  id: z
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' }, example: '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10' }),
});

export const unauthorized = json(ErrorSchema, `\`${authMessages.required}\` or \`${authMessages.invalid}\``);
export const forbidden = json(ErrorSchema, authMessages.forbidden);
export const notFound = json(
  ErrorSchema,
  `${staffMessages.notFound} (also for a user the caller may not see)`,
);
export const validation = json(ValidationErrorSchema, 'The request does not validate');
export const bodyErrors = {
  413: json(ErrorSchema, staffMessages.tooLarge),
  415: json(ErrorSchema, 'Unsupported Media Type'),
  422: validation,
};
export const linkErrors = json(
  ErrorSchema,
  `\`${staffLinkMessages.invalid}\`, \`${staffLinkMessages.used}\` or \`${staffLinkMessages.expired}\``,
);

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json({ detail: staffMessages.tooLarge }, 413),
});

/** The signed-in staff user as the service takes them. */
export function actorOf(staff: AuthenticatedStaff): StaffActor {
  return { id: staff.staff.id, scopes: staff.scopes };
}
