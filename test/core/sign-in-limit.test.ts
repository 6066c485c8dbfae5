/**
 * The sign-in email allowance (core/sign-in-limit.ts) on DynamoDB Local: a burst, then one email per interval; an
 * empty allowance always means an email went out less than one interval ago (so its link still works); concurrent
 * requests never take more than the allowance.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { returnSignInEmail, signInAllowance, takeSignInEmail } from '../../core/sign-in-limit.js';
import { useLocalAws } from '../helpers/aws-env.js';

beforeAll(async () => {
  await useLocalAws('sign-in-limit');
});

afterEach(() => {
  delete process.env.SIGN_IN_EMAIL_BURST;
  delete process.env.SIGN_IN_EMAIL_INTERVAL_SECONDS;
});

const T0 = Date.parse('2030-01-01T08:00:00Z');
const MINUTE = 60_000;
const principal = () => `MEMBER#allowance-${randomUUID().slice(0, 8)}`;
const takeAt = (who: string, at: number) => takeSignInEmail(who, new Date(at));

describe('the sign-in email allowance', () => {
  it('defaults to 3 at once, then one every 30 minutes; refuses settings that could leave no working link', () => {
    expect(signInAllowance({})).toEqual({ burst: 3, intervalSeconds: 1800 });
    expect(signInAllowance({ SIGN_IN_EMAIL_BURST: '5', SIGN_IN_EMAIL_INTERVAL_SECONDS: '60' })).toEqual({
      burst: 5,
      intervalSeconds: 60,
    });
    expect(() => signInAllowance({ SIGN_IN_EMAIL_INTERVAL_SECONDS: '1801' })).toThrow(/at most 1800/);
    expect(() => signInAllowance({ SIGN_IN_EMAIL_BURST: '0' })).toThrow(/positive integer/);
  });

  it('a burst, then one more per interval, and whole again after a quiet spell', async () => {
    const who = principal();
    expect(await takeAt(who, T0)).toBe(true);
    expect(await takeAt(who, T0 + 1)).toBe(true);
    expect(await takeAt(who, T0 + 2)).toBe(true);
    expect(await takeAt(who, T0 + 3)).toBe(false);
    expect(await takeAt(who, T0 + 30 * MINUTE - 1)).toBe(false);
    expect(await takeAt(who, T0 + 30 * MINUTE + 1)).toBe(true);
    expect(await takeAt(who, T0 + 30 * MINUTE + 2)).toBe(false);
    // After a quiet spell (any 90 minutes, no UTC midnight needed) the whole burst is back.
    const later = T0 + 2 * 60 * MINUTE;
    expect([await takeAt(who, later), await takeAt(who, later), await takeAt(who, later)]).toEqual([
      true,
      true,
      true,
    ]);
    expect(await takeAt(who, later)).toBe(false);
    // An email that could not be sent is given back.
    await returnSignInEmail(who);
    expect(await takeAt(who, later)).toBe(true);
  });

  it('whenever it refuses, an email went out less than one interval ago (a stranger cannot lock the owner out)', async () => {
    const who = principal();
    const interval = 30 * MINUTE;
    let lastSent = Number.NEGATIVE_INFINITY;
    let at = T0;
    let sent = 0;
    // A stranger asking at random moments, often in bursts, for a day and a half.
    for (let request = 0; request < 150; request++) {
      at +=
        Math.random() < 0.6
          ? Math.floor(Math.random() * 5 * MINUTE)
          : Math.floor(Math.random() * 90 * MINUTE);
      if (at > T0 + 36 * 60 * MINUTE) break;
      if (await takeAt(who, at)) {
        lastSent = at;
        sent++;
      } else {
        expect(at - lastSent).toBeLessThan(interval);
      }
    }
    // And the inbox is bounded: the burst plus one per interval.
    expect(sent).toBeLessThanOrEqual(3 + Math.ceil((at - T0) / interval));
  });

  it('concurrent requests never take more than the allowance', async () => {
    const who = principal();
    const results = await Promise.all(Array.from({ length: 12 }, () => takeAt(who, T0)));
    expect(results.filter(Boolean)).toHaveLength(3);
  });
});
