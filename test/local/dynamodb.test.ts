import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appTable } from '../../core/table.js';
import { startDynamoDbLocal, waitUntilAnswering } from '../../infra/local/dynamodb.js';
import { LocalStartupError, findFreePort } from '../../infra/local/ports.js';
import { ensureTable } from '../../infra/local/table.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';

let env: LocalAwsEnv;
let client: DynamoDBClient;

beforeAll(async () => {
  env = await useLocalAws('dynamodb');
  client = new DynamoDBClient({ endpoint: env.dynamoDbEndpoint });
});

afterAll(() => client.destroy());

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ensureTable', () => {
  it('creates the table from the shared definition: keys, on-demand billing, GSIs projecting everything', async () => {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: env.tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: appTable.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: appTable.sortKey.name, KeyType: 'RANGE' },
    ]);
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName,
      keys: index.KeySchema,
      projection: index.Projection?.ProjectionType,
    }));
    expect(indexes).toEqual(
      expect.arrayContaining(
        appTable.globalSecondaryIndexes.map((index) => ({
          name: index.indexName,
          keys: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          projection: 'ALL',
        })),
      ),
    );
    expect(indexes).toHaveLength(appTable.globalSecondaryIndexes.length);
  });

  it('enables TTL on the definition’s attribute', async () => {
    const { TimeToLiveDescription } = await client.send(
      new DescribeTimeToLiveCommand({ TableName: env.tableName }),
    );
    expect(TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: appTable.timeToLiveAttribute,
    });
  });

  it('is idempotent and leaves an existing table and its data alone', async () => {
    const key = { pk: { S: 'idempotency' }, sk: { S: 'check' } };
    await client.send(new PutItemCommand({ TableName: env.tableName, Item: key }));
    await ensureTable(client, env.tableName);
    await ensureTable(client, env.tableName);
    const { Item } = await client.send(new GetItemCommand({ TableName: env.tableName, Key: key }));
    expect(Item).toEqual(key);
  });
});

describe('startDynamoDbLocal', () => {
  it('keeps data under dataDir across restarts and leaves no JVM behind', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lumina-dynamodb-'));
    const key = { pk: { S: 'persisted' }, sk: { S: 'item' } };
    try {
      const first = await startDynamoDbLocal({
        port: await findFreePort(),
        dataDir: join(dataDir, 'nested'),
      });
      const firstClient = new DynamoDBClient({ endpoint: first.endpoint });
      await ensureTable(firstClient, 'persistence');
      await firstClient.send(new PutItemCommand({ TableName: 'persistence', Item: key }));
      firstClient.destroy();
      await first.stop();
      expect(isRunning(first.pid)).toBe(false);

      const second = await startDynamoDbLocal({
        port: await findFreePort(),
        dataDir: join(dataDir, 'nested'),
      });
      const secondClient = new DynamoDBClient({ endpoint: second.endpoint });
      try {
        const { Item } = await secondClient.send(new GetItemCommand({ TableName: 'persistence', Key: key }));
        expect(Item).toEqual(key);
      } finally {
        secondClient.destroy();
        await second.stop();
      }
      expect(isRunning(second.pid)).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a taken port before starting Java', async () => {
    const holder = createServer();
    const port = await findFreePort();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startDynamoDbLocal({ port })).rejects.toThrow(LocalStartupError);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });

  it('explains a missing Java in one line', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startDynamoDbLocal({ port: await findFreePort() })).rejects.toThrow(
        /^DynamoDB Local needs Java 17 or newer on PATH: install a JDK/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('waitUntilAnswering', () => {
  it('abandons a poll the JVM does not answer (still warming up) and polls again, silently', async () => {
    // Accepts every connection like a warming JVM, leaves the first request unanswered, then answers the next ones
    // by passing them to DynamoDB Local.
    const target = new URL(env.dynamoDbEndpoint);
    let requests = 0;
    const warming = createHttpServer((incoming, outgoing) => {
      requests += 1;
      if (requests === 1) return;
      const forwarded = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          // As a reverse proxy does: DynamoDB Local answers only to its own Host.
          headers: { ...incoming.headers, host: target.host },
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      incoming.pipe(forwarded);
    });
    await new Promise<void>((resolve) => warming.listen(0, '127.0.0.1', resolve));
    const { port } = warming.address() as { port: number };
    const warn = vi.spyOn(console, 'warn');
    try {
      const started = performance.now();
      await waitUntilAnswering(
        `http://127.0.0.1:${port}`,
        { exitCode: null, signalCode: null },
        () => '',
        10_000,
      );
      expect(requests).toBeGreaterThanOrEqual(2);
      // One abandoned poll (1 s) and an answered one, not a wait for the unanswered request.
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
      warming.closeAllConnections();
      await new Promise<void>((resolve) => warming.close(() => resolve()));
    }
  });
});
