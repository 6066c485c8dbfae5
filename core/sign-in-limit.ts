/**
 * Emailed sign-in links are requested anonymously (lumina's `POST /member/{id}/login` takes no credentials), so
 * without a limit anyone could make the service flood a member's inbox. Each principal gets a few per UTC day,
 * counted with a conditional write (race-free).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from './aws-clients.js';
import { epochSeconds, keys } from './keys.js';

export function signInEmailsPerDay(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SIGN_IN_EMAILS_PER_DAY;
  if (raw === undefined || raw === '') return 5;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error('SIGN_IN_EMAILS_PER_DAY must be a positive integer');
  return value;
}

/** Takes one of today's sign-in emails for `principal` (e.g. `MEMBER#fred_bloggs`); false when none is left. */
export async function takeSignInEmail(principal: string, now = new Date()): Promise<boolean> {
  const day = now.toISOString().slice(0, 10);
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.signInEmailLimit(principal, day),
        UpdateExpression: 'ADD #count :one SET entity = :entity, expiresAt = :expiry',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :maximum',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':maximum': signInEmailsPerDay(),
          ':entity': 'sign-in-limit',
          ':expiry': epochSeconds(now) + 2 * 24 * 3600,
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
