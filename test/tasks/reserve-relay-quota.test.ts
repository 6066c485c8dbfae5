/** reserve-relay-quota on the task contract: the reservation it asks for, and how a refusal reaches the ASL. */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { keys } from '../../core/keys.js';
import { handler } from '../../tasks/reserve-relay-quota.js';
import { memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayMember, relayRequest } from './relay-fixtures.js';

const clock = fixedClock('2026-03-14T23:59:30.000Z');
const settings = () => ({
  studentEmailDomains: [],
  studentVerificationTimeoutSeconds: 3600,
  senderDailyLimit: 2,
  recipientDailyLimit: 1,
  studentDailyRequestLimit: 3,
  retentionDays: 180,
});
const none = { alreadyReserved: false, sender: false, recipient: false, pair: false };

function setUp(relay = relayRequest()) {
  const relays = memoryRelays({ relays: [relay], members: [relayMember()] });
  return { relays, task: handler.with({ clock, relays, settings }) };
}

describe('reserve-relay-quota', () => {
  it("reserves the clock's UTC day under the configured maximums", async () => {
    const { relays, task } = setUp();
    await expect(task({ relayId: RELAY_ID })).resolves.toEqual({ reserved: true, day: '2026-03-14' });
    expect(relays.reservations).toEqual([
      expect.objectContaining({
        day: '2026-03-14',
        sender: { key: keys.senderDailyLimit('member:uid-sam', '2026-03-14'), maximum: 2 },
        recipient: { key: keys.recipientDailyLimit('member:uid-rita', '2026-03-14'), maximum: 1 },
        pair: keys.pairLimit('member:uid-sam', 'member:uid-rita'),
      }),
    ]);
  });

  it('a retry after the reservation counts once and answers with the day reserved', async () => {
    const { relays, task } = setUp(relayRequest({ quotaReservedAt: 'earlier', quotaDay: '2026-03-13' }));
    relays.refuseNextReservation({ ...none, alreadyReserved: true });
    await expect(task({ relayId: RELAY_ID })).resolves.toEqual({ reserved: true, day: '2026-03-13' });
  });

  it.each([
    [{ ...none, pair: true, sender: true }, 'pair'],
    [{ ...none, sender: true, recipient: true }, 'sender-daily'],
    [{ ...none, recipient: true }, 'recipient-daily'],
  ])('a limit reached fails as RateLimited with the limit as its message (%j)', async (refusal, limit) => {
    const { relays, task } = setUp();
    relays.refuseNextReservation(refusal);
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({ name: 'RateLimited', message: limit });
    expect(handler.contract.throws).toContain('RateLimited');
  });

  it('a transaction cancelled for another reason is retryable', async () => {
    const { relays, task } = setUp();
    relays.refuseNextReservation(none);
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({ name: 'RetryableError' });
  });
});
