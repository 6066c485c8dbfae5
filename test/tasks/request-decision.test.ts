/**
 * request-decision through its contract, with a fixed clock, an in-memory repository, staff directory, workflow
 * and mailer (no emulator): who is emailed in a round, that a retried round never emails anyone twice, and that a
 * recorded outcome answers the round's own token.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../core/clock.js';
import { handler } from '../../tasks/request-decision.js';
import {
  SUBMISSION_ID,
  memoryMailer,
  memoryStaff,
  memorySubmissions,
  memoryWorkflow,
  namedError,
  reviewItem,
  staffUser,
  submissionItem,
} from '../helpers/submission-fakes.js';

const NOW = '2026-11-28T12:00:00.000Z';
const round = (number: number) => ({
  submissionId: SUBMISSION_ID,
  executionName: SUBMISSION_ID,
  round: number,
  taskToken: `token-round-${number}`,
  decisionTimeoutSeconds: 3 * 86400,
});

const staff = memoryStaff([
  { staff: staffUser('mod-a'), scopes: ['site:history:moderate'] },
  { staff: staffUser('mod-b'), scopes: ['site:history:moderate'] },
  { staff: staffUser('mod-c'), scopes: ['site:history:moderate'] },
  { staff: staffUser('admin'), scopes: ['site:history:admin'] },
  { staff: staffUser('network'), scopes: ['network:admin'] },
  { staff: staffUser('alumni-mod'), scopes: ['site:alumni:moderate'] },
]);

function setup(reviewFields: Parameters<typeof reviewItem>[0] = {}) {
  const memory = memorySubmissions({ submissions: [submissionItem()], reviews: [reviewItem(reviewFields)] });
  const mail = memoryMailer();
  const flow = memoryWorkflow();
  const task = handler.with({
    clock: fixedClock(NOW),
    mailer: mail.mailer,
    submissions: memory.repository,
    workflow: flow.workflow,
    staff,
  });
  return { memory, mail, flow, task };
}

beforeEach(() => {
  vi.stubEnv('PUBLIC_API_URL', 'https://api.alumni.example.test');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('request-decision', () => {
  it('round 0 stores the token and emails each of the site’s moderators once', async () => {
    const { memory, mail, task } = setup();
    expect(await task(round(0))).toEqual({ notified: 3, recipients: 3 });
    expect(memory.reviews.get(SUBMISSION_ID)).toMatchObject({
      taskToken: 'token-round-0',
      round: 0,
      updatedAt: NOW,
    });
    expect(mail.sent.map((email) => email.to)).toEqual([
      'mod-a@staff.example.test',
      'mod-b@staff.example.test',
      'mod-c@staff.example.test',
    ]);
    const [first] = mail.sent;
    expect(first!.email.subject).toBe('A submission is waiting for moderation on the history site');
    expect(first!.email.text).toContain(
      `https://api.alumni.example.test/moderation?submission=${SUBMISSION_ID}`,
    );
    // Never the token, nor what was written.
    expect(JSON.stringify(mail.sent)).not.toContain('token-round-0');
    expect(JSON.stringify(mail.sent)).not.toContain('I was Ariel');
  });

  it('a later round reminds the moderators and escalates, saying how long it waited', async () => {
    const { mail, task } = setup();
    expect(await task(round(1))).toEqual({ notified: 5, recipients: 5 });
    const toAdmin = mail.sent.find((email) => email.to === 'admin@staff.example.test');
    expect(toAdmin!.email.subject).toBe(
      'Reminder: a submission has been waiting for moderation on the history site',
    );
    expect(toAdmin!.email.text).toContain(
      'You are told as an admin of the history site: nobody has decided it for 3 days.',
    );
  });

  it('a throttled send fails the round as RetryableError; the retry emails only those not emailed yet', async () => {
    const { mail, task } = setup();
    mail.sent.length = 0;
    // The first email goes out, the second is throttled (named as the send module names it).
    const send = mail.mailer.send.bind(mail.mailer);
    let calls = 0;
    const throttledOnce = {
      send: (...args: Parameters<typeof send>) =>
        ++calls === 2 ? Promise.reject(namedError('RetryableError', 'ThrottlingException')) : send(...args),
    };
    await expect(task.with({ mailer: throttledOnce })(round(0))).rejects.toMatchObject({
      name: 'RetryableError',
    });
    expect(mail.sent.map((email) => email.to)).toEqual(['mod-a@staff.example.test']);

    // The retry: the same round, the same token.
    expect(await task(round(0))).toEqual({ notified: 2, recipients: 3 });
    expect(mail.sent.map((email) => email.to)).toEqual([
      'mod-a@staff.example.test',
      'mod-b@staff.example.test',
      'mod-c@staff.example.test',
    ]);
    // And once more (a repeated execution step): nobody is emailed twice.
    expect(await task(round(0))).toEqual({ notified: 0, recipients: 3 });
    expect(mail.sent).toHaveLength(3);
  });

  it('an address SES refuses for good is skipped; the others are emailed', async () => {
    const { mail, task } = setup();
    mail.failNext(namedError('MessageRejected'));
    expect(await task(round(0))).toEqual({ notified: 2, recipients: 3 });
    expect(mail.sent.map((email) => email.to)).toEqual([
      'mod-b@staff.example.test',
      'mod-c@staff.example.test',
    ]);
  });

  it('an outcome recorded while no token waited answers the round’s own token, emailing nobody', async () => {
    const { mail, flow, memory, task } = setup({ outcome: 'approve', decidedBy: 'mod-a' });
    expect(await task(round(1))).toEqual({ notified: 0, outcome: 'approve' });
    expect(flow.resumed).toEqual([{ taskToken: 'token-round-1', outcome: 'approve' }]);
    expect(mail.sent).toEqual([]);
    expect(memory.reviews.get(SUBMISSION_ID)).not.toHaveProperty('taskToken');
  });

  it('a review of another execution (or none) fails as InvalidInput', async () => {
    const { task } = setup({ executionName: 'another-execution' });
    await expect(task(round(0))).rejects.toMatchObject({
      name: 'InvalidInput',
      message: 'Submission not found',
    });
  });
});
