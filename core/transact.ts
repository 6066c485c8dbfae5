/** `TransactWriteItems` with cancellations as a value: callers decide per reason whether to re-read and retry. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './aws-clients.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** `ok`, or the cancellation reason code of every item (`None`, `ConditionalCheckFailed`, `TransactionConflict`...). */
export type TransactOutcome = { ok: true } | { ok: false; reasons: string[] };

export async function transact(items: TransactItem[]): Promise<TransactOutcome> {
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    return { ok: true };
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      return { ok: false, reasons: (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None') };
    }
    throw error;
  }
}
