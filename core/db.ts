/**
 * The shared DynamoDB helpers of the domain repositories (`core/<domain>/repository.ts`). Repositories and this
 * module are the only code that imports the DynamoDB SDK (an ESLint rule keeps it out of `tasks/`, `api/` and the
 * rules).
 *
 * Reads are parsed with the caller's item schema, never cast. Item schemas are loose objects (`z.looseObject`), so
 * a read-modify-write keeps attributes a schema does not name.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { z } from 'zod';
import { documentClient, tableName } from './aws-clients.js';
import { DomainError, rethrowAwsError } from './errors.js';

export type Key = Record<string, string>;
export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** `ok`, or the cancellation reason code of every item (`None`, `ConditionalCheckFailed`, `TransactionConflict`...). */
export type TransactOutcome = { ok: true } | { ok: false; reasons: string[] };

/** An item that breaks its schema: written by something else or by an older version. A bug, never retried. */
export class CorruptItem extends Error {
  override name = 'CorruptItem';
  constructor(key: Key, issues: string[]) {
    super(`Item ${key.pk ?? ''}/${key.sk ?? ''} does not match its schema: ${issues.join(', ')}`);
  }
}

export function parseItem<S extends z.ZodType>(schema: S, raw: unknown, key: Key): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new CorruptItem(
    key,
    result.error.issues.map((issue) => issue.path.join('.') || '(item)'),
  );
}

/** One item, parsed; `undefined` when absent. Strongly consistent unless `consistent: false`. */
export async function getItem<S extends z.ZodType>(
  schema: S,
  key: Key,
  options: { consistent?: boolean } = {},
): Promise<z.output<S> | undefined> {
  const result = await documentClient
    .send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: options.consistent ?? true }))
    .catch(rethrowAwsError);
  return result.Item === undefined ? undefined : parseItem(schema, result.Item, key);
}

/** Every item a query matches, all pages, each parsed. */
export async function queryAll<S extends z.ZodType>(
  schema: S,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<z.output<S>[]> {
  const items: z.output<S>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient
      .send(new QueryCommand({ ...input, TableName: tableName(), ExclusiveStartKey: startKey }))
      .catch(rethrowAwsError);
    for (const raw of page.Items ?? []) items.push(parseItem(schema, raw, keyOf(raw)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Writes `item` unless its key exists. Returns the existing item (unparsed) when it does. */
export async function putIfAbsent(
  item: Item,
): Promise<{ written: true } | { written: false; existing: Item }> {
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName(),
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { written: true };
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      // `ReturnValuesOnConditionCheckFailure` comes back in the attribute-value form, not the document form.
      return { written: false, existing: error.Item ? unmarshall(error.Item) : {} };
    }
    return rethrowAwsError(error);
  }
}

export async function putItem(item: Item): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: item })).catch(rethrowAwsError);
}

export async function deleteItem(key: Key): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: tableName(), Key: key })).catch(rethrowAwsError);
}

/**
 * A conditional update: the new item (parsed) when the condition held, `undefined` when it did not. For claims
 * ("set sentAt unless set"), status transitions and counters.
 */
export async function updateIf<S extends z.ZodType>(
  schema: S,
  input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'> & { Key: Key },
): Promise<z.output<S> | undefined> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({ ...input, TableName: tableName(), ReturnValues: 'ALL_NEW' }),
    );
    return parseItem(schema, result.Attributes, input.Key);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    return rethrowAwsError(error);
  }
}

/**
 * Claims something once: sets `attribute` to `at` if `condition` holds and the attribute is unset. Returns the
 * claimed item, or `undefined` when someone (a retry, a repeated execution) claimed it first. Pair it with
 * `releaseClaim` when the work the claim guards fails, so the retry may claim again.
 */
export async function claimOnce<S extends z.ZodType>(
  schema: S,
  key: Key,
  attribute: string,
  at: string,
  condition?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<z.output<S> | undefined> {
  return updateIf(schema, {
    Key: key,
    UpdateExpression: 'SET #claim = :at',
    ConditionExpression: `attribute_not_exists(#claim)${condition ? ` AND (${condition.expression})` : ''}`,
    ExpressionAttributeNames: { '#claim': attribute, ...(condition?.names ?? {}) },
    ExpressionAttributeValues: { ':at': at, ...(condition?.values ?? {}) },
  });
}

/** Gives a claim back (best effort: a failure leaves the claim, which errs on the side of not sending twice). */
export async function releaseClaim(key: Key, attribute: string): Promise<void> {
  await documentClient
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression: 'REMOVE #claim',
        ExpressionAttributeNames: { '#claim': attribute },
      }),
    )
    .catch(() => undefined);
}

/** `TransactWriteItems` with cancellations as a value: callers decide per reason whether to re-read and retry. */
export async function transact(items: TransactItem[]): Promise<TransactOutcome> {
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    return { ok: true };
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      return { ok: false, reasons: (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') };
    }
    return rethrowAwsError(error);
  }
}

/**
 * A transaction built from fresh reads, rebuilt and retried while another transaction conflicts with it (up to
 * `attempts`); then `TryAgainLater`. Other cancellations come back as the outcome.
 */
export async function transactWithConflictRetry(
  build: () => Promise<TransactItem[]>,
  attempts = 3,
): Promise<TransactOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await transact(await build());
    if (outcome.ok || !outcome.reasons.includes('TransactionConflict')) return outcome;
    if (attempt >= attempts) throw new DomainError('TryAgainLater', 'A concurrent change got in the way');
  }
}

/** The key of a raw item (for the message of an item that fails its schema): keys are strings in this table. */
const BATCH_WRITE_LIMIT = 25;
const MAX_UNPROCESSED_RETRIES = 8;

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Key } };

/**
 * BatchWriteItem in batches of 25, resubmitting what DynamoDB leaves unprocessed (throttling) with backoff; still
 * unprocessed after that is `RetryableError`. For idempotent writes only (puts of whole items, deletes).
 */
export async function batchWrite(all: WriteRequest[]): Promise<void> {
  const table = tableName();
  for (let start = 0; start < all.length; start += BATCH_WRITE_LIMIT) {
    let requests = all.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > MAX_UNPROCESSED_RETRIES) {
        throw new DomainError('RetryableError', `${requests.length} batch writes unprocessed`);
      }
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const result = await documentClient
        .send(new BatchWriteCommand({ RequestItems: { [table]: requests } }))
        .catch(rethrowAwsError);
      requests = (result.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  }
}

/** The key of a raw item, as text for error messages (a corrupt item may have anything there). */
export function keyOf(raw: unknown): Key {
  const item = raw as { pk?: unknown; sk?: unknown };
  const text = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return { pk: text(item.pk), sk: text(item.sk) };
}
