/**
 * Emailed sign-in links are requested anonymously (lumina's `POST /member/{id}/login` takes no credentials), so
 * without a limit anyone could make the service flood an inbox. Each principal (`MEMBER#<id>`, `STAFF#<id>`) has an
 * allowance that refills gradually: `SIGN_IN_EMAIL_BURST` emails at once, then one more every
 * `SIGN_IN_EMAIL_INTERVAL_SECONDS` (a token bucket, kept as the time it is full again: GCRA).
 *
 * A stranger can use the allowance up, but cannot lock its owner out: an empty allowance means an email went to the
 * owner less than one interval ago, and the interval is at most half a sign-in link's hour, so the newest link in
 * the owner's inbox still works for at least half an hour. Callers over the allowance therefore send nothing and
 * answer as usual: the owner signs in with the newest link they have. Counted with conditional writes (race-free).
 */
import { z } from 'zod';
import { systemClock } from './clock.js';
import { updateIf, type Key } from './db.js';
import { keys } from './keys.js';
import { settings } from './settings.js';

export interface SignInAllowance {
  /** Emails that may go out at once to a principal who had none for a while. */
  burst: number;
  /** One more email per this many seconds after that (at most half a sign-in link's hour: see the module comment). */
  intervalSeconds: number;
}

/** `SIGN_IN_EMAIL_BURST` and `SIGN_IN_EMAIL_INTERVAL_SECONDS` (core/settings.ts). */
export function signInAllowance(env: NodeJS.ProcessEnv = process.env): SignInAllowance {
  return {
    burst: settings.signInEmailBurst.read(env),
    intervalSeconds: settings.signInEmailIntervalSeconds.read(env),
  };
}

/**
 * Takes one sign-in email from `principal`'s allowance (e.g. `MEMBER#fred_bloggs`); false when none is left, in
 * which case an email went to the principal less than one interval ago.
 */
export async function takeSignInEmail(principal: string, now = systemClock.now()): Promise<boolean> {
  const { burst, intervalSeconds } = signInAllowance();
  const interval = intervalSeconds * 1000;
  const at = now.getTime();
  const key = keys.signInAllowance(principal);
  // `fullAt`: when the allowance is whole again; each email moves it one interval on from max(fullAt, now).
  // Two conditional updates (an item is never read first): the allowance is whole, or it has an email left.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (
      await conditionalUpdate({
        Key: key,
        UpdateExpression: 'SET fullAt = :fullAt, expiresAt = :expiresAt, entity = :entity',
        ConditionExpression: 'attribute_not_exists(fullAt) OR fullAt <= :now',
        ExpressionAttributeValues: {
          ':fullAt': at + interval,
          ':expiresAt': expirySeconds(at + interval),
          ':entity': 'sign-in-allowance',
          ':now': at,
        },
      })
    ) {
      return true;
    }
    if (
      await conditionalUpdate({
        Key: key,
        UpdateExpression: 'SET fullAt = fullAt + :interval, expiresAt = expiresAt + :intervalSeconds',
        ConditionExpression: 'fullAt > :now AND fullAt <= :latest',
        ExpressionAttributeValues: {
          ':interval': interval,
          ':intervalSeconds': intervalSeconds,
          ':now': at,
          ':latest': at + (burst - 1) * interval,
        },
      })
    ) {
      return true;
    }
    // Neither: the allowance is used up, unless a returned email made it whole in between (then try again).
  }
  return false;
}

/** Gives back an email taken with `takeSignInEmail` that could not be sent, so the owner is not left without one. */
export async function returnSignInEmail(principal: string): Promise<void> {
  const { intervalSeconds } = signInAllowance();
  await conditionalUpdate({
    Key: keys.signInAllowance(principal),
    UpdateExpression: 'SET fullAt = fullAt - :interval, expiresAt = expiresAt - :intervalSeconds',
    ConditionExpression: 'attribute_exists(fullAt)',
    ExpressionAttributeValues: { ':interval': intervalSeconds * 1000, ':intervalSeconds': intervalSeconds },
  });
}

/** The table may remove the item a day after the allowance is whole again (it is then the same as no item). */
function expirySeconds(fullAt: number): number {
  return Math.ceil(fullAt / 1000) + 24 * 3600;
}

/** The allowance item: only its key is read back; the update's condition does the deciding. */
const AllowanceItemSchema = z.looseObject({ pk: z.string(), sk: z.string() });

async function conditionalUpdate(input: {
  Key: Key;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeValues: Record<string, unknown>;
}): Promise<boolean> {
  return (await updateIf(AllowanceItemSchema, input)) !== undefined;
}
