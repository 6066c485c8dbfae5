/**
 * The one CDK test that bundles in-process: esbuild builds the fixture tasks and the API as `cdk deploy` does (the
 * other CDK assertion tests skip bundling with `assertionApp()`), and the API bundle is run to show it serves
 * `/docs` from its own files. Slow (about 15 s): not part of the fast tier.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { describe, expect, it } from 'vitest';
import { fixtureTasks } from '../fixtures/tasks/fixture-tasks.js';
import { fixtureWorkflows, logicalId, synth } from './support.js';

describe('bundling', () => {
  it('bundles the tasks and the API with esbuild; the API bundle serves /docs from its own files', () => {
    const started = performance.now();
    // A plain App bundles every stack (CDK's default for `aws:cdk:bundling-stacks`).
    const { app, resources, stack } = synth({ workflows: fixtureWorkflows, tasks: fixtureTasks }, new App());
    const elapsed = performance.now() - started;
    for (const fn of fixtureTasks.map((t) => resources[logicalId(stack.taskFunctions.get(t.name)!)]!)) {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Code).toHaveProperty('S3Key');
    }
    const api = resources[logicalId(stack.apiFunction)]!;
    expect(api.Properties.Code).toHaveProperty('S3Key');
    const asset = stack.apiFunction.node.findChild('Code') as Asset;
    const assetDir = join(app.synth().directory, asset.assetPath);

    // Run the bundle as Lambda would: import index.mjs and call the handler with API Gateway events.
    const script = `
      const { handler } = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});
      const event = (path) => ({
        version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', isBase64Encoded: false,
        headers: { host: 'api.example' },
        requestContext: { domainName: 'api.example', stage: '$default', requestId: 'r', timeEpoch: 0,
          http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
      });
      const out = {};
      for (const path of ['/docs', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/favicon-32x32.png', '/openapi.json']) {
        const r = await handler(event(path), {});
        out[path] = { status: r.statusCode, type: r.headers['content-type'], length: r.body.length };
      }
      console.log(JSON.stringify(out));`;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: assetDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    });
    const served = JSON.parse(output.trim().split('\n').pop()!) as Record<
      string,
      { status: number; type: string; length: number }
    >;
    for (const [path, response] of Object.entries(served)) {
      expect(response.status, path).toBe(200);
      expect(response.length, path).toBeGreaterThan(100);
    }
    expect(served['/docs/swagger-ui.css']!.type).toContain('text/css');
    // A handful of small handlers and the API; the other tests skip bundling (`assertionApp()`).
    expect(elapsed).toBeLessThan(30_000);
  }, 60_000);
});
