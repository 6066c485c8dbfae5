/** check-relay-consent on the task contract with an in-memory relay repository: one neutral refusal. */
import { describe, expect, it } from 'vitest';
import { handler } from '../../tasks/check-relay-consent.js';
import { memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayMember, relayRequest, sender } from './relay-fixtures.js';

function check(options: Parameters<typeof memoryRelays>[0]) {
  return handler.with({ relays: memoryRelays(options) })({ relayId: RELAY_ID, executionName: 'relay-x' });
}

describe('check-relay-consent', () => {
  it('passes an active recipient who consents to first emails from members', async () => {
    await expect(check({ relays: [relayRequest()], members: [relayMember(), sender] })).resolves.toEqual({
      contactable: true,
    });
  });

  it.each([
    ['no such member', []],
    ['a pending member', [relayMember({ status: 'pending' })]],
    ['no consent', [relayMember({ consent: { consentMembers: { granted: false } } })]],
    ['a later owner of the id', [relayMember({ uid: 'uid-new-owner' })]],
  ])('refuses %s with the neutral NotContactable', async (_case, members) => {
    await expect(check({ relays: [relayRequest()], members })).rejects.toMatchObject({
      name: 'NotContactable',
      message: "This member can't be contacted through the network",
    });
  });

  it('refuses a sender the recipient has blocked', async () => {
    await expect(
      check({
        relays: [relayRequest()],
        members: [relayMember()],
        blocks: [['member:uid-rita', 'member:uid-sam']],
      }),
    ).rejects.toMatchObject({ name: 'NotContactable' });
  });

  it('a request that is missing or has ended is InvalidInput', async () => {
    await expect(check({ members: [relayMember()] })).rejects.toMatchObject({ name: 'InvalidInput' });
    const { recipientId: _closed, ...closed } = relayRequest({ outcome: 'sent' });
    await expect(check({ relays: [closed], members: [relayMember()] })).rejects.toMatchObject({
      name: 'InvalidInput',
    });
  });
});
