import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { requiredEnv } from './config.js';

/*
 * Module-scope clients, shared by the API and the task Lambdas (a Lambda reuses them across invocations). No
 * endpoint in code: the SDK reads AWS_ENDPOINT_URL_DYNAMODB / _SES / _SFN from the environment, so the same code
 * talks to AWS or to the local runtime.
 */
export const dynamoDbClient = new DynamoDBClient({});
export const documentClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  // Optional fields arrive as `undefined`; storing them as absent beats failing the write.
  marshallOptions: { removeUndefinedValues: true },
});
// One attempt: a failed send is retried by the workflow, with backoff and visible in its history, not hidden here.
export const sesClient = new SESClient({ maxAttempts: 1 });
export const sfnClient = new SFNClient({});

/** The application table's name (TABLE_NAME), read when used so tests can give each file its own table. */
export function tableName(): string {
  return requiredEnv('TABLE_NAME');
}
