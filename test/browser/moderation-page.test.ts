/**
 * The moderation page in headless Chromium, on the whole local system (API, Step Functions endpoint running the
 * real `submission-review` workflow, DynamoDB Local, SES emulator): a moderator opens the emailed link, signs in by
 * email from the page, sees the submission (its text as text, never markup), and rejects it; another submission is
 * approved from the queue. The workflow ends as the decision says.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StaffItem } from '../../core/staff/model.js';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import { awaitEmails, emailsTo, type StoredEmail } from '../helpers/inbox.js';
import { eventually, historyOf, sfnClient, statePath } from '../helpers/local-stepfunctions.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

const TOKEN_KEY = 'lumina.staffSessionToken';
const hostile =
  'Hello <script>alert(1)</script> and <b>bold</b> <img src=x onerror="alert(2)">\nSecond line.';

/** Screenshots of every page a test leaves open, for debugging only (a temp folder, overwritten each run). */
const screenshots = join(tmpdir(), 'lumina-moderation-page-screenshots');

describe.skipIf(browserSkipReason !== undefined)('moderation page (headless Chromium)', () => {
  let test: TestSystem;
  let browser: Browser;
  let sfn: SFNClient;
  let moderator: StaffItem;
  let staffSessionFor: (staffId: string) => Promise<string>;
  let context: BrowserContext | undefined;
  /** What must never happen on the page: dialogs (a script of the submission ran), page errors, CSP refusals. */
  let incidents: string[] = [];

  beforeAll(async () => {
    const [started, launched] = await Promise.allSettled([
      startTestSystem('moderation-page'),
      launchChromium(),
    ]);
    if (started.status === 'fulfilled') test = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    sfn = sfnClient(test.system.urls.stepFunctions);
    // Imported only now, as the system imports the API: after it (and its OpenAPI extension of zod) is loaded.
    const staff = await import('../helpers/staff.js');
    staffSessionFor = staff.staffSessionFor;
    moderator = await staff.putActiveStaff(['site:history:moderate'], 'moderator');
  });

  afterAll(async () => {
    await browser?.close();
    sfn?.destroy();
    await test?.stop();
  });

  afterEach(async (testContext) => {
    if (!context) return;
    mkdirSync(screenshots, { recursive: true });
    const name = testContext.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40);
    for (const [index, page] of context.pages().entries()) {
      await page
        .screenshot({ path: join(screenshots, `${name}-${index}.png`), fullPage: true })
        .catch(() => {});
    }
    if (testContext.task.result?.state === 'fail') console.log(`Screenshots: ${screenshots}`);
    await context.close();
    context = undefined;
  });

  async function newContext(): Promise<BrowserContext> {
    incidents = [];
    context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    context.on('page', watch);
    return context;
  }

  function watch(page: Page) {
    page.on('dialog', (dialog) => {
      incidents.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => incidents.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) incidents.push(`CSP: ${message.text()}`);
    });
  }

  async function submitMessage() {
    const targetName = `Ada Lovelace ${randomUUID().slice(0, 8)}`;
    const submitted = await test.call('POST', '/submissions/message', {
      body: {
        targetType: 'person',
        targetName,
        targetUrl: 'https://history.example.org/people/ada-lovelace',
        subject: 'A correction',
        message: hostile,
        submitter: { id: randomUUID(), name: 'Fred Bloggs' },
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'pending', site: 'history', targetName });
    return submitted.body as { id: string; targetName: string };
  }

  /** The moderation email about one submission, and its link. */
  async function moderationLink(submissionId: string): Promise<string> {
    const email = await eventually(async () => {
      const emails = await emailsTo(test.system.urls.inbox, moderator.email);
      return emails.find((candidate) => candidate.body.text?.includes(submissionId));
    }, 10_000);
    return linkIn(email, /http:\/\/\S+\/moderation\?submission=[0-9a-f-]{36}/);
  }

  function linkIn(email: StoredEmail, pattern: RegExp): string {
    const link = pattern.exec(email.body.text ?? '')?.[0];
    if (!link) throw new Error(`No link in the email "${email.subject}"`);
    return link;
  }

  const executionArn = (submissionId: string) =>
    `${test.system.stateMachines['submission-review']!.replace(':stateMachine:', ':execution:')}:${submissionId}`;

  /** Waits for the review execution to end and returns its status and path of states. */
  async function finishedExecution(submissionId: string) {
    const arn = executionArn(submissionId);
    const described = await eventually(async () => {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    }, 10_000);
    return { status: described.status, path: statePath(await historyOf(sfn, arn)) };
  }

  const storedToken = (page: Page) => page.evaluate<string | null>(`localStorage.getItem('${TOKEN_KEY}')`);

  it('opens the emailed link, signs in by email from the page, shows the text as text, and rejects', async () => {
    const submission = await submitMessage();
    const link = await moderationLink(submission.id);
    expect(link).toBe(`${test.system.urls.api}/moderation?submission=${submission.id}`);

    await newContext();
    const first = await context!.newPage();
    await first.goto(link);
    // Not signed in: the page asks for an email address and sends a sign-in link.
    await first.locator('#signin-email').fill(moderator.email);
    await first.locator('#signin-send').click();
    await first
      .locator('#signin-result', {
        hasText: 'If this address belongs to a staff user, a sign-in link is on its way.',
      })
      .waitFor();

    const emails = await awaitEmails(test.system.urls.inbox, moderator.email, 2);
    const signinEmail = emails.find((email) => email.subject.includes('sign-in link'));
    const signinLink = linkIn(signinEmail!, /http:\/\/\S+\/staff\/signin\?token=[A-Za-z0-9_-]+/);

    const signin = await context!.newPage();
    await signin.goto(signinLink);
    await signin.getByRole('button', { name: 'Sign in' }).click();
    await signin.locator('#status', { hasText: 'You are signed in.' }).waitFor();
    // Kept in localStorage, so the moderation tabs of this browser have it too; the page links to moderation.
    expect(await storedToken(signin)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const next = signin.getByRole('link', { name: 'Open the moderation page' });
    expect(await next.evaluate((anchor) => (anchor as unknown as { href: string }).href)).toBe(
      `${test.system.urls.api}/moderation`,
    );
    // The first tab, still open, notices the sign-in and shows the submission.
    await first.locator('#submission-text', { hasText: 'Second line.' }).waitFor();

    const page = await context!.newPage();
    await page.goto(link);
    const text = page.locator('#submission-text');
    await text.filter({ hasText: 'Second line.' }).waitFor();
    // The submission's markup is shown literally: no element made of it, no script run.
    expect(await text.textContent()).toBe(hostile);
    expect(await page.locator('#submission b, #submission script, #submission img').count()).toBe(0);
    expect(await page.locator('#submission-details').textContent()).toContain(submission.targetName);
    expect(await page.locator('#submission-details').textContent()).toContain(
      'https://history.example.org/people/ada-lovelace',
    );
    expect(await page.locator('#submission-details').textContent()).toContain('Fred Bloggs (not verified)');

    // Opening the page (three times) changed nothing.
    const token = (await storedToken(page))!;
    const before = await test.call('GET', `/moderation/submissions/${submission.id}`, { token });
    expect(before.body).toMatchObject({
      status: 'pending',
      review: { claimedBy: null, outcome: null, decidedBy: null },
    });

    // Rejecting needs a reason.
    await page.locator('#reject').click();
    await page.locator('#action-result', { hasText: 'Write a reason to reject' }).waitFor();
    await page.locator('#reason').fill('Not about anyone in our history.');
    await page.locator('#reject').click();
    await page.locator('#action-result', { hasText: 'the submission is rejected.' }).waitFor();
    expect(await page.locator('#review-details').textContent()).toContain('rejected');
    expect(await page.locator('#actions').isHidden()).toBe(true);

    expect(await finishedExecution(submission.id)).toEqual({
      status: 'SUCCEEDED',
      path: [
        'StoreSubmission',
        'AwaitDecision',
        'Settle',
        'Outcome',
        'NotifySubmitter',
        'AfterNotify',
        'Rejected',
      ],
    });
    const after = await test.call('GET', `/moderation/submissions/${submission.id}`, { token });
    expect(after.body).toMatchObject({
      status: 'rejected',
      reason: 'Not about anyone in our history.',
      review: { outcome: 'reject', decidedBy: moderator.id },
    });
    expect(incidents).toEqual([]);
  }, 40_000);

  it('approves from the queue after a claim, and signs out', async () => {
    const submission = await submitMessage();
    await newContext();
    const page = await context!.newPage();
    await page.goto(`${test.system.urls.api}/moderation`);
    await page.locator('#signin-email').waitFor();
    // Signed in as the staff sign-in page leaves it (that page is covered by the test above).
    const token = await staffSessionFor(moderator.id);
    await page.evaluate(`localStorage.setItem('${TOKEN_KEY}', ${JSON.stringify(token)})`);
    await page.reload();

    await page.locator('#staff-name', { hasText: moderator.name }).waitFor();
    await page.locator('#site').selectOption('history');
    await page.locator('#queue-status').selectOption('pending');
    await page.locator('#queue-load').click();
    const row = page.locator('#queue-rows tr', { hasText: submission.targetName });
    await row.getByRole('button', { name: 'Open' }).click();
    await page.locator('#submission-text', { hasText: 'Second line.' }).waitFor();
    expect(new URL(page.url()).searchParams.get('submission')).toBe(submission.id);

    await page.locator('#claim').click();
    await page.locator('#action-result', { hasText: 'Claimed until' }).waitFor();
    expect(await page.locator('#review-details').textContent()).toContain('you until');
    const { body } = await test.call('GET', `/moderation/submissions/${submission.id}`, { token });
    expect((body as { review: unknown }).review).toMatchObject({ claimedBy: moderator.id, outcome: null });

    await page.locator('#approve').click();
    await page.locator('#action-result', { hasText: 'the submission is approved.' }).waitFor();

    expect(await finishedExecution(submission.id)).toEqual({
      status: 'SUCCEEDED',
      path: [
        'StoreSubmission',
        'AwaitDecision',
        'Settle',
        'Outcome',
        'NotifySubmitter',
        'AfterNotify',
        'PublishApproval',
        'Approved',
      ],
    });
    expect(await test.call('GET', `/moderation/submissions/${submission.id}`, { token })).toMatchObject({
      status: 200,
      body: { status: 'approved', review: { outcome: 'approve', decidedBy: moderator.id } },
    });

    // Back in the queue, the approved one is listed under approved.
    await page.locator('#back').click();
    await page.locator('#queue-status').selectOption('approved');
    await page.locator('#queue-load').click();
    await page.locator('#queue-rows tr', { hasText: submission.targetName }).waitFor();

    await page.locator('#signout').click();
    await page.locator('#signin-email').waitFor();
    expect(await storedToken(page)).toBeNull();
    expect((await test.call('GET', '/staff/me', { token })).status).toBe(401);

    // A stale token (here the revoked one, put back) is answered 401: the page forgets it and asks to sign in.
    await page.evaluate(`localStorage.setItem('${TOKEN_KEY}', ${JSON.stringify(token)})`);
    await page.reload();
    await page.locator('#status', { hasText: 'Your session has ended. Sign in again.' }).waitFor();
    expect(await page.locator('#signin-email').isVisible()).toBe(true);
    expect(await storedToken(page)).toBeNull();
    expect(incidents).toEqual([]);
  }, 40_000);
});
