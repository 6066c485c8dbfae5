/**
 * Loaded before every test file: `@hono/zod-openapi` adds `.openapi()` to zod's schemas, and core modules build
 * schemas the API routes later describe with it. The API imports it first; a test that imports a core module before
 * the API would otherwise build those schemas without it ("PermissionsSchema.openapi is not a function").
 */
import '@hono/zod-openapi';
