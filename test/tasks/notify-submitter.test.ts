/** notify-submitter through its contract, with an in-memory repository, member lookup and mailer (no emulator). */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors.js';
import type { MemberItem } from '../../core/members/model.js';
import { handler } from '../../tasks/notify-submitter.js';
import {
  SUBMISSION_ID,
  memoryMailer,
  memorySubmissions,
  submissionItem,
} from '../helpers/submission-fakes.js';

const event = { submissionId: SUBMISSION_ID, executionName: SUBMISSION_ID };
const activeMember = { id: 'mary_member', status: 'active', email: 'mary@example.test' } as MemberItem;

function setup(fields: Parameters<typeof submissionItem>[0] = {}, member: MemberItem | null = activeMember) {
  const memory = memorySubmissions({ submissions: [submissionItem({ status: 'approved', ...fields })] });
  const mail = memoryMailer();
  const task = handler.with({
    mailer: mail.mailer,
    submissions: memory.repository,
    members: { getMember: () => Promise.resolve(member ?? undefined) },
  });
  return { memory, mail, task };
}

describe('notify-submitter', () => {
  it('tells a member the outcome once, at their address', async () => {
    const { mail, task } = setup();
    expect(await task(event)).toEqual({ sent: true });
    expect(mail.sent.map((email) => email.to)).toEqual(['mary@example.test']);
    expect(mail.sent[0]!.email.subject).toBe(
      'Your submission to the New Theatre alumni site has been approved',
    );
    // A retried or repeated step sends nothing more.
    expect(await task(event)).toEqual({ sent: false, reason: 'already sent' });
    expect(mail.sent).toHaveLength(1);
  });

  it('a failed send gives the claim back, so the retry sends it', async () => {
    const { mail, task } = setup();
    mail.failNext(new DomainError('RetryableError', 'ThrottlingException (HTTP 400)'));
    await expect(task(event)).rejects.toMatchObject({ name: 'RetryableError' });
    expect(mail.sent).toEqual([]);
    expect(await task(event)).toEqual({ sent: true });
    expect(mail.sent).toHaveLength(1);
  });

  it('tells nobody an expiry, nor a former member, nor an anonymous visitor who gave no address', async () => {
    expect(await setup({ status: 'expired' }).task(event)).toEqual({
      sent: false,
      reason: 'no outcome to tell',
    });
    expect(await setup({}, null).task(event)).toEqual({ sent: false, reason: 'no address' });
    const anonymous = { submitter: { id: SUBMISSION_ID, verified: false, name: 'Ann' } };
    expect(await setup(anonymous).task(event)).toEqual({ sent: false, reason: 'no address' });
  });

  it('an anonymous visitor’s address gets the fixed text, without what they wrote', async () => {
    const { mail, task } = setup({
      status: 'rejected',
      reason: 'Spam',
      submitter: { id: SUBMISSION_ID, verified: false, name: 'Security Team', email: 'ann@example.test' },
    });
    expect(await task(event)).toEqual({ sent: true });
    expect(mail.sent[0]!.to).toBe('ann@example.test');
    expect(mail.sent[0]!.email.text).toContain('was not accepted by a moderator');
    expect(JSON.stringify(mail.sent)).not.toContain('Security Team');
    expect(JSON.stringify(mail.sent)).not.toContain('Spam');
  });

  it('fails as InvalidInput for a submission that does not exist', async () => {
    const task = handler.with({ submissions: memorySubmissions().repository });
    await expect(task(event)).rejects.toMatchObject({ name: 'InvalidInput' });
  });
});
