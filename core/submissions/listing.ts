/**
 * Reading submissions a page at a time: a submitter's (newest first, gsi1) and a site's moderation queue (oldest
 * first, gsi2). Cursors are checked to belong to the partition asked for (core/cursor.ts).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { indexKeys } from '../keys.js';
import type { SubmissionItem, SubmissionStatus } from './model.js';

export interface SubmissionPage {
  items: SubmissionItem[];
  cursor: string | null;
}

const GSI1_CURSOR = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
const GSI2_CURSOR = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;
/** Pages read at most to fill one filtered page. */
const MAX_READS_PER_PAGE = 10;

/**
 * A submitter's submissions, newest first, `limit` at a time: all of them but `received` ones, or only the
 * approved ones. Throws `InvalidCursor` for a cursor not handed out for this submitter.
 */
export async function listSubmitterSubmissions(
  submitterId: string,
  options: { approvedOnly: boolean; limit: number; cursor?: string },
): Promise<SubmissionPage> {
  const partition = indexKeys.submitterPartition(submitterId);
  let start = options.cursor ? decodeCursor(options.cursor, GSI1_CURSOR, { gsi1pk: partition }) : undefined;
  const items: SubmissionItem[] = [];
  for (let reads = 0; reads < MAX_READS_PER_PAGE && items.length < options.limit; reads++) {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        FilterExpression: options.approvedOnly ? '#status = :approved' : '#status <> :received',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':partition': partition,
          ...(options.approvedOnly ? { ':approved': 'approved' } : { ':received': 'received' }),
        },
        ScanIndexForward: false,
        Limit: options.limit - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as SubmissionItem[]).filter((item) => item.entity === 'submission'));
    start = page.LastEvaluatedKey as Record<string, string> | undefined;
    if (!start) break;
  }
  return { items, cursor: start ? encodeCursor(pick(start, GSI1_CURSOR)) : null };
}

/** How many of a submitter's submissions there are (all but `received`, or approved only). */
export async function countSubmitterSubmissions(submitterId: string, approvedOnly: boolean): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        FilterExpression: approvedOnly
          ? '#status = :approved AND entity = :submission'
          : '#status <> :received AND entity = :submission',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':partition': indexKeys.submitterPartition(submitterId),
          ':submission': 'submission',
          ...(approvedOnly ? { ':approved': 'approved' } : { ':received': 'received' }),
        },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** A site's submissions in one status, oldest first. Throws `InvalidCursor` for a cursor not of this queue. */
export async function moderationQueue(
  site: string,
  status: SubmissionStatus,
  options: { limit: number; cursor?: string },
): Promise<SubmissionPage> {
  const partition = indexKeys.moderationQueuePartition(site, status);
  const start = options.cursor ? decodeCursor(options.cursor, GSI2_CURSOR, { gsi2pk: partition }) : undefined;
  const page = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :partition',
      ExpressionAttributeValues: { ':partition': partition },
      ScanIndexForward: true,
      Limit: options.limit,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }),
  );
  const last = page.LastEvaluatedKey as Record<string, string> | undefined;
  return {
    items: (page.Items ?? []) as SubmissionItem[],
    cursor: last ? encodeCursor(pick(last, GSI2_CURSOR)) : null,
  };
}

function pick(key: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, key[name] ?? '']));
}
