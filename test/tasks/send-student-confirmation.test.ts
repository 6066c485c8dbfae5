/** send-student-confirmation and load-relay-request on the task contract with in-memory dependencies. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler as loadRelayRequest } from '../../tasks/load-relay-request.js';
import { handler as sendStudentConfirmation } from '../../tasks/send-student-confirmation.js';
import { memoryMailer, memoryRelays } from './relay-fakes.js';
import { RELAY_ID, relayRequest } from './relay-fixtures.js';

const clock = fixedClock('2026-03-14T12:00:00.000Z');
const studentRequest = relayRequest({
  senderKind: 'student',
  senderKey: 'student:abc',
  senderMemberId: undefined,
  studentName: 'Sue Student',
  studentEmail: 'sue@students.example',
});

beforeEach(() => {
  vi.stubEnv('PUBLIC_API_URL', 'https://api.alumni.example');
});

describe('send-student-confirmation', () => {
  it('stores the task token and emails the student a confirmation link, naming no one', async () => {
    const relays = memoryRelays({ relays: [studentRequest] });
    const mailer = memoryMailer();
    const task = sendStudentConfirmation.with({ clock, mailer, relays });
    await expect(
      task({ relayId: RELAY_ID, taskToken: 'task-token', validForSeconds: 7200 }),
    ).resolves.toEqual({
      sent: true,
    });
    expect(relays.relays.get(RELAY_ID)).toMatchObject({
      verificationTaskToken: 'task-token',
      updatedAt: '2026-03-14T12:00:00.000Z',
    });
    expect(relays.links).toEqual([
      { memberId: 'rita', purpose: 'student-contact', relayId: RELAY_ID, token: 'token-1' },
    ]);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]?.to).toBe('sue@students.example');
    expect(mailer.sent[0]?.email.text).toContain('https://api.alumni.example/contact/confirm?token=token-1');
    expect(mailer.sent[0]?.email.text).toContain('for 2 hours');
    expect(mailer.sent[0]?.email.text).not.toContain('Sue');
  });

  it("a member's request is not a student's: InvalidInput, nothing sent", async () => {
    const mailer = memoryMailer();
    const task = sendStudentConfirmation.with({ mailer, relays: memoryRelays({ relays: [relayRequest()] }) });
    await expect(task({ relayId: RELAY_ID, taskToken: 't', validForSeconds: 60 })).rejects.toMatchObject({
      name: 'InvalidInput',
    });
    expect(mailer.sent).toEqual([]);
  });
});

describe('load-relay-request', () => {
  it('answers what the later states need, with the configured wait, and nothing personal', async () => {
    const task = loadRelayRequest.with({
      relays: memoryRelays({ relays: [studentRequest] }),
      settings: () => ({
        studentEmailDomains: [],
        studentVerificationTimeoutSeconds: 600,
        senderDailyLimit: 5,
        recipientDailyLimit: 3,
        studentDailyRequestLimit: 3,
        retentionDays: 180,
      }),
    });
    await expect(task({ relayId: RELAY_ID, executionName: `relay-${RELAY_ID}` })).resolves.toEqual({
      relayId: RELAY_ID,
      recipientId: 'rita',
      senderKind: 'student',
      settings: { studentVerificationTimeoutSeconds: 600 },
    });
  });

  it('a request that has lost its message is InvalidInput', async () => {
    const task = loadRelayRequest.with({
      relays: memoryRelays({ relays: [relayRequest({ message: undefined })] }),
    });
    await expect(task({ relayId: RELAY_ID })).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});
