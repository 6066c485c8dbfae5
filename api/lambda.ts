/**
 * The API in AWS Lambda behind API Gateway (HTTP API, payload format 2.0): the same app `npm start` serves on Node.
 * The CDK stack bundles this file with esbuild (see `infra/stack.ts`).
 */
import { handle } from 'hono/aws-lambda';
import { createApp } from './app.js';

export const handler = handle(createApp());
