/**
 * The CDK CLI as an operator runs it: `npx cdk synth` through cdk.json's app command, offline, with no AWS
 * credentials. The CLI must read the cloud assembly that the installed aws-cdk-lib writes (a CLI older than the
 * library fails with "Cloud assembly schema version mismatch"), and it must not reach the network: no notices, no
 * telemetry, no version check, no context lookups. Every request the CLI makes goes through the proxy given in
 * HTTPS_PROXY, so a local proxy that records requests shows that none is made.
 *
 * This is the one test that runs the whole real synth: every task and the API bundled with esbuild (the other CDK
 * tests use placeholder code), as `cdk deploy` does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listWorkflows, repoRoot } from '../../infra/workflows.js';
import { taskFunctions } from '../../tasks/registry.js';

const workDir = mkdtempSync(join(tmpdir(), 'cdk-cli-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

type Resource = { Type: string; Properties: Record<string, unknown> };

async function recordingProxy() {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(502).end();
  });
  server.on('connect', (request, socket) => {
    requests.push(`CONNECT ${request.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('npx cdk synth', () => {
  it('synthesises the stack offline, with no credentials, through cdk.json, reaching no network', async () => {
    const proxy = await recordingProxy();
    const outDir = join(workDir, 'cdk.out');
    try {
      const { code, output } = await run('npx', ['--no-install', 'cdk', 'synth', '--quiet', '-o', outDir], {
        PATH: process.env.PATH,
        // A home with no ~/.aws (no credentials, no profile) and no ~/.cdk (no cached notices or version check).
        HOME: workDir,
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
        NO_PROXY: '',
        // npm's own once-a-day check for a newer npm (npx runs the CLI and cdk.json's app command) is not the CDK's.
        npm_config_update_notifier: 'false',
      });
      expect(output).not.toMatch(/schema version mismatch/i);
      expect(code, output).toBe(0);
      expect(proxy.requests).toEqual([]);

      const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as {
        artifacts: Record<string, { type: string }>;
      };
      expect(manifest.artifacts.Lumina?.type).toBe('aws:cloudformation:stack');
      const template = JSON.parse(readFileSync(join(outDir, 'Lumina.template.json'), 'utf8')) as {
        Resources: Record<string, Resource>;
        Outputs: Record<string, unknown>;
      };
      const resources = Object.values(template.Resources);
      const ofType = (type: string) => resources.filter((resource) => resource.Type === type);

      // Every task of the registry and the API, bundled by esbuild into an S3 asset, on Node 22.
      const appFunctions = ofType('AWS::Lambda::Function').filter(
        (fn) => fn.Properties.Runtime === 'nodejs22.x' && fn.Properties.Handler === 'index.handler',
      );
      expect(appFunctions).toHaveLength(taskFunctions.length + 1);
      for (const fn of appFunctions) expect(fn.Properties.Code).toHaveProperty('S3Key');
      // One state machine per ASL file, and the outputs docs/deploying.md names.
      expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(listWorkflows().length);
      for (const name of ['ApiUrl', 'TableName', 'SessionSigningKeySecretArn', 'AlarmTopicArn'])
        expect(template.Outputs).toHaveProperty(name);
    } finally {
      await proxy.close();
    }
  }, 240_000);
});
