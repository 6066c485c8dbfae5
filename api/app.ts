import { OpenAPIHono } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { routePath } from 'hono/route';
import packageJson from '../package.json' with { type: 'json' };
import { logger } from '../core/logger.js';
import { corsMiddleware } from './cors.js';
import { limitRequestBodies } from './body-policy.js';
import { registerDocs } from './docs.js';
import { errorHandler, notFound, validationErrorHook } from './errors.js';
import { checkHealth, dependencyChecks, healthRoute } from './health.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerMemberRoutes } from './routes/members.js';
import { registerModerationRoutes } from './routes/moderation.js';
import { registerRelayRoutes } from './routes/relay.js';
import { registerStaffRoutes } from './routes/staff.js';
import { registerSubmissionRoutes } from './routes/submissions.js';

export interface AppDependencies {
  /** Upper bound of each `/health` dependency check. */
  healthCheckTimeoutMs?: number;
  /** How long `POST /member/{id}/contact` waits for the relay workflow before answering 202 (15 s). */
  relayOutcomeWaitMs?: number;
  /** Origins allowed by CORS when the app serves browsers itself (`npm start`); in AWS, API Gateway does CORS. */
  corsOrigins?: readonly string[];
}

const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 2_000;

/** The HTTP API: the same app runs behind API Gateway in Lambda and on Node locally (see `server.ts`). */
export function createApp(deps: AppDependencies = {}) {
  const healthCheckTimeoutMs = deps.healthCheckTimeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS;
  const app = new OpenAPIHono<BlankEnv>({ defaultHook: validationErrorHook });

  // Access log by route pattern, never the raw URL: paths and query strings can carry ids and tokens.
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    logger.info('Request', {
      method: c.req.method,
      route: routePath(c),
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
    });
  });

  if (deps.corsOrigins) app.use(corsMiddleware(deps.corsOrigins));

  // Every route, including those that take no body or set a tighter limit of their own (see body-policy.ts).
  app.use(limitRequestBodies);

  app.openapi(healthRoute, async (c) => {
    const health = await checkHealth(dependencyChecks, healthCheckTimeoutMs, packageJson.version);
    return c.json(health, health.status === 'ok' ? 200 : 500);
  });
  registerAuthRoutes(app);
  registerMemberRoutes(app);
  registerRelayRoutes(
    app,
    deps.relayOutcomeWaitMs === undefined ? {} : { outcomeWaitMs: deps.relayOutcomeWaitMs },
  );
  registerStaffRoutes(app);
  registerSubmissionRoutes(app);
  registerModerationRoutes(app);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Lumina API', version: packageJson.version, description: packageJson.description },
  });
  registerDocs(app);

  app.notFound(notFound);
  app.onError(errorHandler);
  return app;
}
