import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoDbClient, tableName } from '../aws-clients.js';

/** The key `/health` reads: no item is ever stored under it (no entity's key starts with `HEALTH`). */
export const healthProbeKey = { pk: { S: 'HEALTH' }, sk: { S: 'PROBE' } };

export const healthRepository = {
  /**
   * The application table exists and answers a read. A GetItem of one fixed key that is never written, which costs
   * the same however many items the table holds (DescribeTable, used before, gets slower with the table's size on
   * DynamoDB Local: 4 ms at 800 items, 21-30 ms at 6,400) and needs no permission beyond the API's reads. A
   * missing table is ResourceNotFoundException.
   */
  async probeTable(signal: AbortSignal): Promise<void> {
    await dynamoDbClient.send(
      new GetItemCommand({ TableName: tableName(), Key: healthProbeKey, ProjectionExpression: 'pk' }),
      { abortSignal: signal },
    );
  },
};
