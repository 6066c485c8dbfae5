import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import type { createApp as CreateApp } from '../../api/app.js';
import { healthProbeKey } from '../../api/health.js';
import { startApiServer } from '../../api/server.js';
import { findFreePort } from '../../infra/local/ports.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';

let env: LocalAwsEnv;
let stepFunctions: LocalSfn;
let sfn: FaultProxy;
let createApp: typeof CreateApp;

/**
 * Imports the app afresh, so its module-scope AWS clients read the current AWS_ENDPOINT_URL_* (a client resolves
 * its endpoint on its first request and keeps it).
 */
async function loadApp(): Promise<typeof CreateApp> {
  vi.resetModules();
  return (await import('../../api/app.js')).createApp;
}

beforeAll(async () => {
  env = await useLocalAws('health');
  // The real local Step Functions endpoint, behind a proxy that can inject failures.
  stepFunctions = await startLocalSfn();
  sfn = await startFaultProxy(stepFunctions.server.url);
  process.env.AWS_ENDPOINT_URL_SFN = sfn.url;
  createApp = await loadApp();
});

afterAll(async () => {
  await sfn.stop();
  await stepFunctions.stop();
});

beforeEach(() => {
  sfn.setMode('pass');
  process.env.TABLE_NAME = env.tableName;
});

interface HealthBody {
  status: string;
  version: string;
  checks: Record<'database' | 'email' | 'workflows', { status: string; latencyMs: number; error?: string }>;
}

async function getHealth(app = createApp()): Promise<{ status: number; body: HealthBody }> {
  const response = await app.request('/health');
  return { status: response.status, body: (await response.json()) as HealthBody };
}

describe('GET /health', () => {
  it('answers 200 with every check ok and the package version', async () => {
    const { status, body } = await getHealth();
    expect(body).toEqual({
      status: 'ok',
      version: packageJson.version,
      checks: {
        database: { status: 'ok', latencyMs: expect.any(Number) },
        email: { status: 'ok', latencyMs: expect.any(Number) },
        workflows: { status: 'ok', latencyMs: expect.any(Number) },
      },
    });
    expect(status).toBe(200);
  });

  it('probes the table with one GetItem of a fixed key, whose cost does not grow with the table (no DescribeTable)', async () => {
    // The SDK client the app uses (the same module instance: loadApp reset the registry before importing both).
    const { dynamoDbClient } = await import('../../core/aws-clients.js');
    const send = vi.spyOn(dynamoDbClient, 'send');
    try {
      const { status } = await getHealth();
      expect(status).toBe(200);
      const commands = send.mock.calls.map(([command]) => command);
      expect(commands.map((command) => command.constructor.name)).toEqual(['GetItemCommand']);
      expect(commands[0]!.input).toMatchObject({ TableName: env.tableName, Key: healthProbeKey });
    } finally {
      send.mockRestore();
    }
  });

  it('sends no email while checking SES', async () => {
    const before = (await (await fetch(`${env.sesUrl}/store`)).json()) as { emails: unknown[] };
    await getHealth();
    const after = (await (await fetch(`${env.sesUrl}/store`)).json()) as { emails: unknown[] };
    expect(after.emails.length).toBe(before.emails.length);
  });

  it('answers 500 naming the missing table', async () => {
    process.env.TABLE_NAME = 'no-such-table';
    const { status, body } = await getHealth();
    expect(status).toBe(500);
    expect(body.status).toBe('error');
    expect(body.checks.database).toEqual({
      status: 'error',
      latencyMs: expect.any(Number),
      error: 'ResourceNotFoundException',
    });
    expect(body.checks.email.status).toBe('ok');
  });

  it('answers 500 when the workflows endpoint fails', async () => {
    sfn.setMode('fail');
    const { status, body } = await getHealth();
    expect(status).toBe(500);
    expect(body.checks.workflows.status).toBe('error');
    expect(body.checks.database.status).toBe('ok');
  });

  it('gives up on a check that does not answer within its timeout', async () => {
    sfn.setMode('hang');
    const started = Date.now();
    const { status, body } = await getHealth(createApp({ healthCheckTimeoutMs: 300 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(status).toBe(500);
    expect(body.checks.workflows).toEqual({
      status: 'error',
      latencyMs: expect.any(Number),
      error: 'timed out after 300 ms',
    });
  });

  it('answers 500 when DynamoDB is unreachable, without leaking credentials', async () => {
    const reachable = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await findFreePort()}`;
    process.env.AWS_SECRET_ACCESS_KEY = 'secret-that-must-not-leak';
    try {
      const app = (await loadApp())();
      const response = await app.request('/health');
      const text = await response.text();
      expect(response.status).toBe(500);
      expect(text).not.toContain('secret-that-must-not-leak');
      const body = JSON.parse(text) as HealthBody;
      expect(body.checks.database).toEqual({
        status: 'error',
        latencyMs: expect.any(Number),
        error: 'ECONNREFUSED',
      });
      expect(body.checks.email.status).toBe('ok');
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = reachable;
      process.env.AWS_SECRET_ACCESS_KEY = 'test';
    }
  });

  it('is served over HTTP on 127.0.0.1 by startApiServer', async () => {
    const server = await startApiServer({ port: await findFreePort(), app: createApp() });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${server.url}/health`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
    } finally {
      await server.stop();
    }
  });
});

describe('API documentation and unknown routes', () => {
  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const response = await createApp().request('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe(packageJson.version);
    expect(document.paths['/health']?.get).toBeDefined();
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Health', 'HealthCheckResult']),
    );
  });

  it('serves the docs page and its Swagger UI files without a CDN', async () => {
    const app = createApp();
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['docs/swagger-ui.css', 'docs/swagger-ui-bundle.js', 'docs/swagger-initializer.js']) {
      expect(html).toContain(asset);
      const response = await app.request(`/${asset}`);
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    expect((await app.request('/docs/package.json')).status).toBe(404);
  });

  it('answers an unknown route with 404 {"detail":"Not Found"}', async () => {
    const response = await createApp().request('/no/such/route');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: 'Not Found' });
  });
});
