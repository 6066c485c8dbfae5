/**
 * The API in AWS Lambda behind API Gateway (HTTP API, payload format 2.0): the same app `npm start` serves on Node.
 * The CDK stack bundles this file with esbuild (see `infra/stack.ts`).
 *
 * `hono/aws-lambda` is deprecated ("will be removed in v5; install `@hono/aws-lambda`"), but `@hono/aws-lambda` is
 * not published on npm (404 on 2026-11-28). The adapter stays in every hono 4.x, which package.json's `^4` pins:
 * switch the import when the package exists (its `handle` has the same signature).
 */
import { handle } from 'hono/aws-lambda';
import { createApp } from './app.js';

// eslint-disable-next-line @typescript-eslint/no-deprecated -- no published replacement yet (see above)
export const handler = handle(createApp());
