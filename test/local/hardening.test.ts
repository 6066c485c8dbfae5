/**
 * The local runtime as an attacker on the network, on the machine or in a developer's browser sees it (issue 12,
 * finding 15), on the whole system `npm start` runs: DynamoDB Local is not reachable on this machine's other
 * addresses, every server refuses a foreign `Host` (DNS rebinding), the Step Functions endpoint cannot rewrite a
 * workflow, and the data folder is this user's only.
 */
import { connect } from 'node:net';
import { request } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeStateMachineCommand,
  SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restrictDataDir } from '../../infra/local/system.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';
import { awaitEmails } from '../helpers/inbox.js';

let test: TestSystem;

beforeAll(async () => {
  test = await startTestSystem('hardening');
});

afterAll(async () => {
  await test?.stop();
});

const portOf = (url: string) => Number(new URL(url).port);

/** A raw HTTP request with the Host header we choose (fetch does not let a caller set it). */
function rawRequest(
  url: string,
  options: { method?: string; path?: string; host?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { host: options.host ?? target.host, ...options.headers },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

const dynamoDbListTables = {
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'DynamoDB_20120810.ListTables',
    authorization:
      'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
  },
  body: '{}',
};
const sfnListStateMachines = {
  method: 'POST',
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': 'AWSStepFunctions.ListStateMachines',
  },
  body: '{}',
};

/** Whether a TCP connection to address:port is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const nonLoopbackAddresses = Object.values(networkInterfaces())
  .flat()
  .filter((entry) => entry !== undefined && !entry.internal)
  .map((entry) => entry!.address);

describe('the local runtime, hardened', () => {
  it.skipIf(nonLoopbackAddresses.length === 0)(
    "DynamoDB Local (and every other service) listens on 127.0.0.1 only, not on this machine's other addresses",
    async () => {
      const ports = Object.values(test.system.urls).map(portOf);
      expect(await accepts('127.0.0.1', portOf(test.system.urls.dynamoDb))).toBe(true);
      for (const address of nonLoopbackAddresses) {
        for (const port of new Set(ports))
          expect({ address, port, accepted: await accepts(address, port) }).toEqual({
            address,
            port,
            accepted: false,
          });
      }
    },
  );

  it('every server refuses Host: evil.example (DNS rebinding) and answers its own names', async () => {
    const { api, inbox, stepFunctions, dynamoDb } = test.system.urls;
    const servers = [
      { url: api, path: '/health' },
      { url: inbox, path: '/store' },
      { url: stepFunctions, path: '/events' },
      { url: stepFunctions, ...sfnListStateMachines },
      { url: dynamoDb, ...dynamoDbListTables },
    ];
    for (const { url, ...options } of servers) {
      const port = portOf(url);
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
        const refused = await rawRequest(url, { ...options, host });
        expect({ url, host, status: refused.status }).toEqual({ url, host, status: 421 });
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        const answered = await rawRequest(url, { ...options, host });
        expect({ url, host, status: answered.status }).toEqual({ url, host, status: 200 });
      }
    }
  });

  it('DynamoDB Local refuses browser requests (an Origin header), which it would otherwise answer for any site', async () => {
    const { dynamoDb } = test.system.urls;
    const fromPage = await rawRequest(dynamoDb, {
      ...dynamoDbListTables,
      headers: { ...dynamoDbListTables.headers, origin: 'https://evil.example' },
    });
    expect(fromPage.status).toBe(403);
    const preflight = await rawRequest(dynamoDb, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
  });

  it('the Step Functions endpoint has no Create/Update/DeleteStateMachine: a workflow cannot be rewritten', async () => {
    const client = new SFNClient({
      endpoint: test.system.urls.stepFunctions,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const relayArn = test.system.stateMachines['first-email-relay']!;
      const before = await client.send(new DescribeStateMachineCommand({ stateMachineArn: relayArn }));
      const bypass = JSON.parse(before.definition!) as { StartAt: string };
      bypass.StartAt = 'NotAState';
      const attempts = [
        new UpdateStateMachineCommand({ stateMachineArn: relayArn, definition: JSON.stringify(bypass) }),
        new DeleteStateMachineCommand({ stateMachineArn: relayArn }),
        new CreateStateMachineCommand({
          name: 'planted',
          definition: before.definition!,
          roleArn: 'arn:aws:iam::000000000000:role/x',
        }),
      ];
      for (const command of attempts) {
        await expect(client.send(command as never)).rejects.toMatchObject({
          name: 'UnknownOperationException',
        });
      }
      const after = await client.send(new DescribeStateMachineCommand({ stateMachineArn: relayArn }));
      expect(after.definition).toBe(before.definition);
    } finally {
      client.destroy();
    }
  });

  it('LOCAL_DATA_DIR and everything in it is this user’s only (0700 folders, 0600 files)', async () => {
    // Something in every store: the table, an execution, the inbox (saved within a second).
    const email = 'modes@ex.localhost';
    const registered = await test.call('POST', '/member/modes', {
      body: {
        anonymousId: '0b7e4a1c-5d1f-4c53-9a43-5b0d1f3c2a11',
        fullName: 'Mo Des',
        email,
        yearOfGraduation: 2001,
        consent: { consentNews: false, consentNetwork: false, consentMembers: false, consentStudents: false },
      },
    });
    expect(registered.status).toBe(200);
    await awaitEmails(test.system.urls.inbox, email);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const found: { path: string; mode: string }[] = [];
    const walk = (path: string) => {
      const stats = statSync(path);
      found.push({ path, mode: (stats.mode & 0o777).toString(8) });
      if (stats.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    };
    walk(test.dataDir);
    const names = found.map((entry) => entry.path.slice(test.dataDir.length));
    expect(names).toEqual(
      expect.arrayContaining(['/ses/emails.json', '/dynamodb', '/stepfunctions/executions']),
    );
    for (const entry of found) {
      const isDirectory = statSync(entry.path).isDirectory();
      expect(entry).toEqual({ path: entry.path, mode: isDirectory ? '700' : '600' });
    }
  });

  it('tightens only its own folders when LOCAL_DATA_DIR points at an existing tree (LOCAL_DATA_DIR=.)', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'data-dir-tree-'));
    try {
      chmodSync(tree, 0o755);
      // Modes set explicitly: the system started above has set this process's umask to 077.
      writeFileSync(join(tree, 'run.sh'), '#!/bin/sh\n');
      chmodSync(join(tree, 'run.sh'), 0o755);
      mkdirSync(join(tree, 'ses'));
      chmodSync(join(tree, 'ses'), 0o755);
      writeFileSync(join(tree, 'ses', 'emails.json'), '{}');
      chmodSync(join(tree, 'ses', 'emails.json'), 0o644);
      await restrictDataDir(tree);
      const mode = (path: string) => (statSync(join(tree, path)).mode & 0o777).toString(8);
      expect([mode('.'), mode('ses'), mode('ses/emails.json'), mode('run.sh')]).toEqual([
        '700',
        '700',
        '600',
        '755',
      ]);
    } finally {
      rmSync(tree, { recursive: true, force: true });
    }
  });
});
