/** close-relay on the task contract with in-memory dependencies: the first close wins, and forgets. */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler as closeRelay } from '../../tasks/close-relay.js';
import { memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayRequest } from './relay-fixtures.js';

const clock = fixedClock('2026-03-14T12:00:00.000Z');

describe('close-relay', () => {
  it('records the outcome, forgets the personal data and keeps the record for the retention period', async () => {
    const relays = memoryRelays({ relays: [relayRequest()] });
    const task = closeRelay.with({ clock, relays });
    const result = { outcome: 'rate-limited' as const, limit: 'pair' as const };
    await expect(task({ relayId: RELAY_ID, result })).resolves.toEqual(result);
    const closed = relays.relays.get(RELAY_ID);
    expect(closed).toMatchObject({
      outcome: 'rate-limited',
      limit: 'pair',
      expiresAt: 1_773_489_600 + 180 * 86400,
    });
    for (const field of ['message', 'subject', 'recipientId', 'senderMemberId']) {
      expect(closed).not.toHaveProperty(field);
    }
    // The first close wins.
    await task({ relayId: RELAY_ID, result: { outcome: 'failed' } });
    expect(relays.relays.get(RELAY_ID)?.outcome).toBe('rate-limited');
  });
});
