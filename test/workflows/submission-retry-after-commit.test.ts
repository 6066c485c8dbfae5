/**
 * Submission review with a DynamoDB write that commits and then answers HTTP 500 (DynamoDB Local behind a fault
 * proxy, the SDK's own retries off): the workflow retries the task Lambda, and the retry must find its committed
 * write. Settle is the step that gives the submission its final status.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { decide } from '../../core/submissions/review-requests.js';
import { createSubmission, getReview, getSubmission } from '../../core/submissions/repository.js';
import { dynamoDbInternalError, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { awaitEmails, emailsTo } from '../helpers/inbox.js';
import { eventually, historyOf, statePath } from '../helpers/local-stepfunctions.js';
import { putActiveStaff } from '../helpers/staff.js';
import { startWorkflowHarness, type WorkflowHarness } from '../helpers/workflow-harness.js';

let harness: WorkflowHarness;
let dynamoDb: FaultProxy;

beforeAll(async () => {
  dynamoDb = await startFaultProxy(inject('dynamoDbEndpoint'));
  harness = await startWorkflowHarness('submission-review', {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.url,
    AWS_MAX_ATTEMPTS: '1',
    SITES: 'history',
    SUBMISSION_DECISION_TIMEOUT_SECONDS: '86400',
    SUBMISSION_REMINDER_ROUNDS: '2',
  });
  process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN = harness.stateMachineArn;
  process.env.AWS_ENDPOINT_URL_SFN = harness.sfn.server.url;
});

afterAll(async () => {
  delete process.env.SUBMISSION_REVIEW_STATE_MACHINE_ARN;
  await harness.stop();
  await dynamoDb.stop();
});

describe('submission review: a DynamoDB write that committed but answered an error', () => {
  it('Settle retried by the workflow finds the submission settled: approved once, told once, published once', async () => {
    const moderator = await putActiveStaff(['site:history:moderate'], 'settle-mod');
    const submitterEmail = `ann.${randomUUID().slice(0, 8)}@mailbox.example`;
    const submission = await createSubmission(
      {
        type: 'message',
        site: 'history',
        submitter: { id: randomUUID(), verified: false, name: 'Ann', email: submitterEmail },
        yearOfGraduation: 1985,
        targetType: 'show',
        targetId: 'tempest-1985',
        targetName: 'The Tempest',
        targetUrl: 'https://history.example.test/shows/tempest-1985',
        subject: 'A correction',
        message: 'I was Ariel in 1985, not Caliban.',
      },
      new Date(),
    );
    const executionArn = await harness.sfn.start(harness.stateMachineArn, submission.executionName, {
      submissionId: submission.id,
    });
    await awaitEmails(harness.env.sesUrl, moderator.email);
    await eventually(async () => ((await getReview(submission.id))?.taskToken ? true : undefined));

    // Settle's transaction: the submission's status change to approved.
    dynamoDb.failAfterForwarding(
      (request) =>
        request.target === 'DynamoDB_20120810.TransactWriteItems' &&
        request.body.includes(`"SUBMISSION#${submission.id}"`) &&
        request.body.includes('"approved"'),
      1,
      dynamoDbInternalError,
    );
    await decide({ submissionId: submission.id, staffId: moderator.id, decision: 'approve', reason: null });
    expect((await harness.sfn.finished(executionArn)).status).toBe('SUCCEEDED');

    const events = await historyOf(harness.sfn.client, executionArn);
    expect(statePath(events)).toEqual([
      'StoreSubmission',
      'AwaitDecision',
      'Settle',
      'Outcome',
      'NotifySubmitter',
      'AfterNotify',
      'PublishApproval',
      'Approved',
    ]);
    expect(
      events
        .filter((event) => event.type === 'TaskFailed')
        .map((event) => event.taskFailedEventDetails?.error),
    ).toEqual(['RetryableError']);
    expect(await getSubmission(submission.id)).toMatchObject({ status: 'approved', decidedBy: moderator.id });
    expect(await emailsTo(harness.env.sesUrl, submitterEmail)).toHaveLength(1);
    const published = harness.sfn
      .publishedEvents({ detailType: 'submission.approved' })
      .filter((event) => event.detail.submissionId === submission.id);
    expect(published).toHaveLength(1);
  });
});
