/**
 * Daily allowances for what a stranger can make the service do (emails above all): at most `maximum` per key and
 * UTC day, counted with a conditional write, so concurrent requests cannot overshoot. The item expires after two
 * days. With a claim id, a retried task (the same claim) takes its allowance once: claims are kept as a set.
 */
import { z } from 'zod';
import { tableName } from './aws-clients.js';
import { systemClock } from './clock.js';
import { updateIf } from './db.js';
import { epochSeconds, type ItemKey } from './keys.js';

const TWO_DAYS_SECONDS = 2 * 24 * 3600;

export const utcDay = (now: Date): string => now.toISOString().slice(0, 10);

export interface DailyAllowance {
  /** The counter item, per key and day (e.g. `keys.noticeLimit(..., utcDay(now))`). */
  key: ItemKey;
  maximum: number;
  /** The item's `entity`, saying what it counts. */
  entity: string;
  /** The time the counter is taken at (its expiry counts from it); the system clock's when absent. */
  now?: Date;
}

/** A counter item: only what the condition reads is checked; the rest is kept as it is. */
const AllowanceItemSchema = z.looseObject({});

/** The conditional counter as a transaction item: the write it belongs to fails when the day's allowance is used. */
export function dailyAllowanceUpdate({ key, maximum, entity, now = systemClock.now() }: DailyAllowance) {
  return {
    TableName: tableName(),
    Key: key,
    UpdateExpression: 'ADD #count :one SET entity = :entity, expiresAt = :expiry',
    ConditionExpression: 'attribute_not_exists(#count) OR #count < :maximum',
    ExpressionAttributeNames: { '#count': 'count' },
    ExpressionAttributeValues: {
      ':one': 1,
      ':maximum': maximum,
      ':entity': entity,
      ':expiry': epochSeconds(now) + TWO_DAYS_SECONDS,
    },
  };
}

/**
 * Takes one of the day's allowance for `claimId`; false when none is left. The same claim taken again (a retried
 * task) is answered true without counting twice.
 */
export async function takeDailyAllowance(allowance: DailyAllowance & { claimId: string }): Promise<boolean> {
  const { key, maximum, entity, claimId, now = systemClock.now() } = allowance;
  const taken = await updateIf(AllowanceItemSchema, {
    Key: { ...key },
    UpdateExpression: 'ADD claims :claim SET entity = :entity, expiresAt = :expiry',
    ConditionExpression:
      'attribute_not_exists(claims) OR size(claims) < :maximum OR contains(claims, :claimId)',
    ExpressionAttributeValues: {
      ':claim': new Set([claimId]),
      ':claimId': claimId,
      ':maximum': maximum,
      ':entity': entity,
      ':expiry': epochSeconds(now) + TWO_DAYS_SECONDS,
    },
  });
  return taken !== undefined;
}
