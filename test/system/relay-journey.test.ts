/**
 * Issue 6's journey on the whole local system: two members registered through the API, a first email from one to
 * the other (Reply-To the sender, nothing of the recipient's address in the answer), a refusal for a member without
 * consent, and a student's message sent only once their emailed link is confirmed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../infra/local/system.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';
import { awaitEmails, emailsTo, linkTokenIn } from '../helpers/inbox.js';

let test: TestSystem;
let system: LocalSystem;
let call: TestSystem['call'];

beforeAll(async () => {
  test = await startTestSystem('relay-journey');
  ({ system, call } = test);
});

afterAll(() => test?.stop());

/** Registers a member through the API and follows the verification link; returns the Bearer token and address. */
async function registeredMember(
  label: string,
  consent: { consentMembers: boolean; consentStudents: boolean },
) {
  const id = `${label}_${randomUUID().slice(0, 6)}`;
  const email = `${randomUUID().slice(0, 8)}@private-mailbox.example`;
  const registered = await call('POST', `/member/${id}`, {
    body: {
      anonymousId: randomUUID(),
      fullName: `${label} Bloggs`,
      email,
      yearOfGraduation: 1985,
      consent: { consentNews: false, consentNetwork: true, ...consent },
    },
  });
  expect(registered.status).toBe(200);
  const [verification] = await awaitEmails(system.urls.inbox, email);
  const token = linkTokenIn(verification!);
  const profile = await call('GET', `/member/${id}`, { token });
  expect((profile.body as { emailVerified: boolean }).emailVerified).toBe(true);
  return { id, email, token };
}

describe('first-email relay journey', () => {
  it('relays one email between members, refuses without consent, and waits for a student to confirm', async () => {
    const alice = await registeredMember('alice', { consentMembers: false, consentStudents: false });
    const bob = await registeredMember('bob', { consentMembers: true, consentStudents: true });

    const sent = await call('POST', `/member/${bob.id}/contact`, {
      token: alice.token,
      body: { subject: 'Hello from the 1985 cast', message: 'Do you still have the programme?' },
    });
    expect(sent.status).toBe(200);
    expect((sent.body as { status: string }).status).toBe('sent');
    const [bobLocal, bobDomain] = bob.email.split('@');
    for (const part of [bob.email, bobLocal!, bobDomain!])
      expect(JSON.stringify(sent.body)).not.toContain(part);

    const bobsMail = await awaitEmails(system.urls.inbox, bob.email, 3);
    const relayed = bobsMail.filter((email) => email.subject.startsWith('[New Theatre alumni]'));
    expect(relayed).toHaveLength(1);
    expect(relayed[0]!.replyTo).toEqual([alice.email]);
    expect(relayed[0]!.body.text).toContain('Do you still have the programme?');

    // Alice has not agreed to first emails from members: nothing is sent, and the answer says nothing more.
    const refused = await call('POST', `/member/${alice.id}/contact`, {
      token: bob.token,
      body: { message: 'Hello Alice' },
    });
    expect(refused).toMatchObject({
      status: 403,
      body: { detail: "This member can't be contacted through the network" },
    });
    expect((await emailsTo(system.urls.inbox, alice.email)).map((email) => email.subject)).not.toContainEqual(
      expect.stringContaining('[New Theatre alumni]'),
    );

    const student = `${randomUUID().slice(0, 8)}@students.localhost`;
    const asked = await call('POST', `/member/${bob.id}/contact/student`, {
      body: { name: 'Sam Student', email: student, message: 'Could I interview you for the archive?' },
    });
    expect(asked.status).toBe(202);
    const [confirmation] = await awaitEmails(system.urls.inbox, student);
    const link = /http:\/\/\S+\/contact\/confirm\?token=([A-Za-z0-9_-]+)/.exec(
      confirmation!.body.text ?? '',
    )!;
    // Opening the page sends nothing; confirming does.
    expect((await fetch(link[0])).status).toBe(200);
    expect(
      (await emailsTo(system.urls.inbox, bob.email)).filter((email) => email.replyTo?.includes(student)),
    ).toEqual([]);
    expect((await call('POST', '/contact/confirm', { body: { token: link[1] } })).status).toBe(200);
    const withStudent = await awaitEmails(system.urls.inbox, bob.email, 4);
    expect(withStudent.filter((email) => email.replyTo.includes(student))).toHaveLength(1);
  });
});
