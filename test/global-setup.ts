import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../infra/local/dynamodb.js';
import { findFreePort } from '../infra/local/ports.js';
import { startSesEmulator } from '../infra/local/ses.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** DynamoDB Local (in memory) shared by every test file; files isolate themselves by table name. */
    dynamoDbEndpoint: string;
    /** The SES emulator shared by every test file; its inbox is at `${sesUrl}/store`. */
    sesUrl: string;
  }
}

/** Starts the slow, shared stand-ins once per run and stops them at the end, leaving no JVM behind. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dynamoDb, ses] = await Promise.all([
    findFreePort().then((port) => startDynamoDbLocal({ port })),
    findFreePort().then((port) => startSesEmulator({ port })),
  ]);
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sesUrl', ses.url);
  return async () => {
    await Promise.all([dynamoDb.stop(), ses.stop()]);
  };
}
