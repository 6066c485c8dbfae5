/**
 * send-relayed-email on the task contract, with a fixed clock, an in-memory mailer and an in-memory relay
 * repository: one email Reply-To the sender, never two, and the declared errors.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { handler } from '../../tasks/send-relayed-email.js';
import { memoryMailer, memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayMember, relayRequest, sender } from './relay-fixtures.js';

const clock = fixedClock('2026-03-14T12:00:00.000Z');

beforeEach(() => {
  vi.stubEnv('PUBLIC_API_URL', 'https://api.alumni.example');
  vi.stubEnv('SITE_URL', 'https://alumni.example');
});

function setUp(relay = relayRequest(), members = [relayMember(), sender]) {
  const relays = memoryRelays({ relays: [relay], members });
  const mailer = memoryMailer();
  return { relays, mailer, task: handler.with({ clock, mailer, relays }) };
}

describe('send-relayed-email', () => {
  it('sends one email to the recipient, Reply-To the sender, with a report link, and marks it sent', async () => {
    const { relays, mailer, task } = setUp();
    await expect(task({ relayId: RELAY_ID, executionName: 'relay-x' })).resolves.toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
    const [email] = mailer.sent;
    expect(email).toMatchObject({ to: 'rita@recipient.example', replyTo: 'sam@sender.example' });
    expect(email?.email.subject).toBe('[New Theatre alumni] The 1985 panto');
    expect(email?.email.text).toContain('Sam Sender (sam), a member of the network,');
    expect(email?.email.text).toContain('https://api.alumni.example/contact/report?token=token-1');
    expect(relays.links).toEqual([
      { memberId: 'rita', purpose: 'relay-report', relayId: RELAY_ID, token: 'token-1' },
    ]);
    expect(relays.relays.get(RELAY_ID)).toMatchObject({
      sendClaimedAt: '2026-03-14T12:00:00.000Z',
      sentAt: '2026-03-14T12:00:00.000Z',
    });
  });

  it('a retry after the send does not send again', async () => {
    const { mailer, task } = setUp();
    await task({ relayId: RELAY_ID });
    await expect(task({ relayId: RELAY_ID })).resolves.toEqual({ sent: true, alreadySent: true });
    expect(mailer.sent).toHaveLength(1);
  });

  it('a send claimed by an attempt that died is not sent again (at most once)', async () => {
    const { mailer, task } = setUp(relayRequest({ sendClaimedAt: '2026-03-14T11:59:00.000Z' }));
    await expect(task({ relayId: RELAY_ID })).resolves.toEqual({ sent: true, alreadySent: true });
    expect(mailer.sent).toEqual([]);
  });

  it('a throttled send fails as RetryableError and gives the claim back, so the retry sends once', async () => {
    const { relays, mailer, task } = setUp();
    mailer.failNext(new DomainError('RetryableError', 'Throttling (HTTP 400)'));
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({ name: 'RetryableError' });
    expect(relays.relays.get(RELAY_ID)?.sendClaimedAt).toBeUndefined();
    await expect(task({ relayId: RELAY_ID })).resolves.toEqual({ sent: true });
    expect(mailer.sent).toHaveLength(1);
  });

  it('an email SES refuses for good is rethrown as it is (the ASL compensates), the claim given back', async () => {
    const { relays, mailer, task } = setUp();
    const refused = Object.assign(new Error('SES refused the email: MessageRejected'), {
      name: 'MessageRejected',
    });
    mailer.failNext(refused);
    await expect(task({ relayId: RELAY_ID })).rejects.toBe(refused);
    expect(relays.relays.get(RELAY_ID)?.sendClaimedAt).toBeUndefined();
  });

  it('a recipient whose id now holds another profile is NotContactable, and nothing is sent', async () => {
    const { mailer, task } = setUp(relayRequest(), [relayMember({ uid: 'uid-new-owner' }), sender]);
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({
      name: 'NotContactable',
      message: "This member can't be contacted through the network",
    });
    expect(handler.contract.throws).toContain('NotContactable');
    expect(mailer.sent).toEqual([]);
  });

  it('a sender who is no longer the member who asked is bad input (never retried)', async () => {
    const { mailer, task } = setUp(relayRequest(), [relayMember(), { ...sender, uid: 'uid-other' }]);
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(mailer.sent).toEqual([]);
  });

  it('a student is named as they typed it and replied to at their address', async () => {
    const { mailer, task } = setUp(
      relayRequest({
        senderKind: 'student',
        senderKey: 'student:abc',
        senderMemberId: undefined,
        studentName: 'Sue Student',
        studentEmail: 'sue@students.example',
        subject: undefined,
      }),
    );
    await task({ relayId: RELAY_ID });
    expect(mailer.sent[0]).toMatchObject({ replyTo: 'sue@students.example' });
    expect(mailer.sent[0]?.email.subject).toBe('[New Theatre alumni] A message from Sue Student');
  });

  it('refuses an input without a relay id as InvalidInput', async () => {
    const { task } = setUp();
    await expect(task({ relayId: 'not-a-uuid' })).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});
