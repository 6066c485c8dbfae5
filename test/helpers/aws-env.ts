import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { ensureTable } from '../../infra/local/table.js';

export interface LocalAwsEnv {
  tableName: string;
  dynamoDbEndpoint: string;
  sesUrl: string;
}

/**
 * Points the AWS SDK of this test file at the shared DynamoDB Local and SES emulator through the same environment
 * variables production code reads, and creates a table of the file's own. Call it before the first SDK request:
 * a client resolves its endpoint once, on its first request.
 */
export async function useLocalAws(label: string): Promise<LocalAwsEnv> {
  const dynamoDbEndpoint = inject('dynamoDbEndpoint');
  const sesUrl = inject('sesUrl');
  const tableName = `test-${label}-${randomUUID().slice(0, 8)}`;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // Never fall back to instance metadata or a developer's profile from a test.
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDbEndpoint,
    AWS_ENDPOINT_URL_SES: sesUrl,
    TABLE_NAME: tableName,
  });
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;

  const client = new DynamoDBClient({ endpoint: dynamoDbEndpoint });
  try {
    await ensureTable(client, tableName);
  } finally {
    client.destroy();
  }
  return { tableName, dynamoDbEndpoint, sesUrl };
}
