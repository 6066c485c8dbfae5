/** notify-relay-sender on the task contract with an in-memory mailer and relay repository. */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler as notifyRelaySender } from '../../tasks/notify-relay-sender.js';
import { memoryMailer, memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayMember, relayRequest, sender } from './relay-fixtures.js';

const clock = fixedClock('2026-03-14T12:00:00.000Z');

describe('notify-relay-sender', () => {
  it("tells a member sender of a sent message, naming only the recipient's id", async () => {
    const relays = memoryRelays({ relays: [relayRequest()], members: [relayMember(), sender] });
    const mailer = memoryMailer();
    const task = notifyRelaySender.with({ clock, mailer, relays });
    await expect(task({ relayId: RELAY_ID, result: { outcome: 'sent' } })).resolves.toEqual({
      notified: true,
    });
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('sam@sender.example');
    expect(JSON.stringify(mailer.sent[0]?.email)).not.toContain('rita@recipient.example');
  });

  it('tells a member nothing of a refusal (the API answered), nor a later owner of their id anything', async () => {
    const mailer = memoryMailer();
    const refused = notifyRelaySender.with({
      mailer,
      relays: memoryRelays({ relays: [relayRequest()], members: [sender] }),
    });
    await expect(refused({ relayId: RELAY_ID, result: { outcome: 'not-contactable' } })).resolves.toEqual({
      notified: false,
    });
    const laterOwner = notifyRelaySender.with({
      mailer,
      relays: memoryRelays({ relays: [relayRequest()], members: [{ ...sender, uid: 'uid-other' }] }),
    });
    await expect(laterOwner({ relayId: RELAY_ID, result: { outcome: 'sent' } })).resolves.toEqual({
      notified: false,
    });
    expect(mailer.sent).toEqual([]);
  });
});
