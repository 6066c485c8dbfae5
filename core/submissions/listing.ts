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
 * Which of a submitter's submissions a caller sees: all (but `received`), approved ones only, or approved ones plus
 * everything of some sites (a site's staff).
 */
export type Visibility = { all: true } | { approvedOnlyExcept: readonly string[] };

export const ALL: Visibility = { all: true };
export const APPROVED_ONLY: Visibility = { approvedOnlyExcept: [] };

/** The query filter for `visibility`, so pages come back full rather than thinned after the query. */
function visibilityFilter(visibility: Visibility) {
  const names = { '#status': 'status', '#entity': 'entity' };
  if ('all' in visibility) {
    return {
      FilterExpression: '#entity = :submission AND #status <> :received',
      ExpressionAttributeNames: names,
      values: { ':submission': 'submission', ':received': 'received' },
    };
  }
  const sites = visibility.approvedOnlyExcept;
  const siteValues = Object.fromEntries(sites.map((site, index) => [`:site${index}`, site]));
  return {
    FilterExpression:
      sites.length === 0
        ? '#entity = :submission AND #status = :approved'
        : `#entity = :submission AND #status <> :received AND (#status = :approved OR #site IN (${Object.keys(siteValues).join(', ')}))`,
    ExpressionAttributeNames: sites.length === 0 ? names : { ...names, '#site': 'site' },
    values: {
      ':submission': 'submission',
      ':approved': 'approved',
      ...(sites.length === 0 ? {} : { ':received': 'received', ...siteValues }),
    },
  };
}

/**
 * A submitter's submissions that `visibility` shows, newest first, `limit` at a time. Throws `InvalidCursor` for a
 * cursor not handed out for this submitter.
 */
export async function listSubmitterSubmissions(
  submitterId: string,
  options: { visibility: Visibility; limit: number; cursor?: string },
): Promise<SubmissionPage> {
  const partition = indexKeys.submitterPartition(submitterId);
  const filter = visibilityFilter(options.visibility);
  let start = options.cursor ? decodeCursor(options.cursor, GSI1_CURSOR, { gsi1pk: partition }) : undefined;
  const items: SubmissionItem[] = [];
  for (let reads = 0; reads < MAX_READS_PER_PAGE && items.length < options.limit; reads++) {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        FilterExpression: filter.FilterExpression,
        ExpressionAttributeNames: filter.ExpressionAttributeNames,
        ExpressionAttributeValues: { ':partition': partition, ...filter.values },
        ScanIndexForward: false,
        Limit: options.limit - items.length,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as SubmissionItem[]));
    start = page.LastEvaluatedKey as Record<string, string> | undefined;
    if (!start) break;
  }
  return { items, cursor: start ? encodeCursor(pick(start, GSI1_CURSOR)) : null };
}

/** How many of a submitter's submissions `visibility` shows. */
export async function countSubmitterSubmissions(
  submitterId: string,
  visibility: Visibility,
): Promise<number> {
  const filter = visibilityFilter(visibility);
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :partition',
        FilterExpression: filter.FilterExpression,
        ExpressionAttributeNames: filter.ExpressionAttributeNames,
        ExpressionAttributeValues: {
          ':partition': indexKeys.submitterPartition(submitterId),
          ...filter.values,
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
