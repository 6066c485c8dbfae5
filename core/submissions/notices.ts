/**
 * The review workflow's emails: who is told about a submission in each round, and what the submitter is told at
 * the end. Every email is claimed before it is sent (`claimNotice`), so a retried task never sends one twice; a
 * failure worth retrying gives the claim back first. Emails carry an opaque submission id, never a task token.
 * Sending, the claims and the staff listing come in as dependencies (the task's mailer and repositories), so the
 * tasks' fast tests run this with in-memory ones.
 */
import { requiredEnv } from '../config.js';
import { renderEmail, type RenderedEmail } from '../email/render.js';
import { errorName, isTransientAwsError } from '../errors.js';
import { logger } from '../logger.js';
import type { StaffItem } from '../staff/model.js';
import { listStaff } from '../staff/repository.js';
import type { SubmissionItem } from './model.js';
import type { SubmissionRepository } from './repository.js';
import { noticeName, type Recipient } from './rules.js';

/** Sends one email; the task's mailer (`context.mailer`) is one. */
export interface EmailSender {
  send(to: string, email: RenderedEmail): Promise<string>;
}

/** What sending a notice needs: the claims of the repository, a mailer and the time. */
export interface NoticeDependencies {
  submissions: Pick<SubmissionRepository, 'claimNotice' | 'releaseNotice' | 'takeNoticeAllowance'>;
  mailer: EmailSender;
  now: Date;
}

export type StaffRecipient = Recipient<StaffItem>;

const STAFF_PAGE = 100;

/** Every staff user with their scopes, in address order (all pages of the staff listing). */
async function staffWithScopes(): Promise<{ staff: StaffItem; scopes: string[] }[]> {
  const found: { staff: StaffItem; scopes: string[] }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listStaff({ limit: STAFF_PAGE, ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/** The staff the review rounds choose from (`roundRecipients` in the rules); replaceable in tests. */
export const staffDirectory = { staffWithScopes };
export type StaffDirectory = typeof staffDirectory;

/** A failure worth retrying: SES throttling, a 5xx or the network (already named `RetryableError`, or not yet). */
function isRetryable(error: unknown): boolean {
  return errorName(error) === 'RetryableError' || isTransientAwsError(error);
}

/** `<PUBLIC_API_URL>/moderation?submission=<id>`: the moderation page (a GET shows, only a POST decides). */
export function moderationUrl(submissionId: string): string {
  const url = new URL('/moderation', requiredEnv('PUBLIC_API_URL'));
  url.searchParams.set('submission', submissionId);
  return url.toString();
}

const typeNames: Record<SubmissionItem['type'], string> = {
  message: 'message',
  show: 'show story',
  bio: 'biography',
};

function describe(submission: SubmissionItem): string {
  return `a ${typeNames[submission.type]} about "${submission.targetName}"`;
}

function reviewEmail(
  submission: SubmissionItem,
  recipient: StaffRecipient,
  round: number,
  waitedDays: number,
): RenderedEmail {
  const first = round === 0;
  const site = submission.site;
  const paragraphs = [
    first
      ? `${submission.submitter.name} sent ${describe(submission)} to the ${site} site. It is waiting for a moderator.`
      : `${describe(submission).replace(/^a/, 'A')} from ${submission.submitter.name}, sent to the ${site} site on ${submission.createdAt.slice(0, 10)}, is still waiting for a moderator.`,
  ];
  if (!first && recipient.role !== 'moderator') {
    const waited = `${waitedDays} ${waitedDays === 1 ? 'day' : 'days'}`;
    paragraphs.push(
      recipient.role === 'site-admin'
        ? `You are told as an admin of the ${site} site: nobody has decided it for ${waited}.`
        : `You are told as a network admin: nobody has decided it for ${waited}.`,
    );
  }
  paragraphs.push(
    'Opening the link shows the submission; nothing is decided until you approve or reject it.',
  );
  return renderEmail({
    subject: first
      ? `A submission is waiting for moderation on the ${site} site`
      : `Reminder: a submission has been waiting for moderation on the ${site} site`,
    greeting: `Hello ${recipient.staff.name},`,
    paragraphs,
    action: { label: 'Open the submission', url: moderationUrl(submission.id) },
    footnote: 'You get this email because you help run the New Theatre alumni sites.',
  });
}

/**
 * Emails each recipient of a round once. An address SES refuses for good is logged (by staff id) and skipped;
 * a failure worth retrying gives that recipient's claim back and throws, so the retried task sends the rest.
 * Anyone can submit, so each staff user gets at most `MODERATION_NOTICES_PER_DAY` of these emails a UTC day; past
 * it they are skipped (the moderation queue still lists every submission).
 */
export async function notifyRound(
  submission: SubmissionItem,
  round: number,
  recipients: StaffRecipient[],
  waitedDays: number,
  { submissions, mailer, now }: NoticeDependencies,
): Promise<number> {
  let sent = 0;
  for (const recipient of recipients) {
    const notice = noticeName(round, recipient.staff.id);
    // The allowance first, then the claim: a failure between a claim and the send would leave the notice claimed
    // and never sent (the retry skips a claimed notice). The same notice retried counts once against the allowance.
    const allowed = await submissions.takeNoticeAllowance(
      recipient.staff.id,
      `${submission.id}#${notice}`,
      now,
    );
    if (!(await submissions.claimNotice(submission.id, notice, now))) continue;
    if (!allowed) {
      logger.info('Moderation email skipped: daily limit reached', {
        submissionId: submission.id,
        staffId: recipient.staff.id,
      });
      continue;
    }
    const email = reviewEmail(submission, recipient, round, waitedDays);
    try {
      await mailer.send(recipient.staff.email, email);
      sent++;
    } catch (error) {
      if (isRetryable(error)) {
        await submissions.releaseNotice(submission.id, notice);
        throw error;
      }
      logger.warn('Moderation email refused', {
        submissionId: submission.id,
        staffId: recipient.staff.id,
        error: errorName(error),
      });
    }
  }
  return sent;
}

/**
 * Sends one email about a submission once: claims `notice`, sends, and gives the claim back if the send fails (so
 * the retry sends it). False when it was claimed already (sent by an earlier attempt).
 */
export async function sendNoticeOnce(
  submissionId: string,
  notice: string,
  to: string,
  email: RenderedEmail,
  { submissions, mailer, now }: NoticeDependencies,
): Promise<boolean> {
  if (!(await submissions.claimNotice(submissionId, notice, now))) return false;
  try {
    await mailer.send(to, email);
  } catch (error) {
    await submissions.releaseNotice(submissionId, notice).catch(() => undefined);
    throw error;
  }
  return true;
}

/**
 * The outcome email. A member (whose address was verified) gets the full one: their name, what they sent about and
 * the moderator's reason, escaped. An anonymous visitor's address was never verified, and whoever filled in the form
 * chose it along with the name and the text: it gets a fixed text with nothing the submitter wrote, and no reason
 * (which may talk about the submission), so the service cannot be made to carry someone's words to a stranger.
 */
export function outcomeEmail(submission: SubmissionItem): RenderedEmail {
  if (!submission.submitter.verified) return unverifiedOutcomeEmail(submission.status === 'approved');
  const approved = submission.status === 'approved';
  return renderEmail({
    subject: approved
      ? 'Your submission to the New Theatre alumni site has been approved'
      : 'Your submission to the New Theatre alumni site was not accepted',
    greeting: `Hello ${submission.submitter.name},`,
    paragraphs: approved
      ? [`Thank you for ${describe(submission)}. A moderator has approved it.`]
      : [
          `Thank you for ${describe(submission)}. A moderator decided not to accept it.`,
          ...(submission.reason ? [`Their reason: ${submission.reason}`] : []),
        ],
    footnote: 'You get this email because you sent a submission to the New Theatre alumni site.',
  });
}

function unverifiedOutcomeEmail(approved: boolean): RenderedEmail {
  return renderEmail({
    subject: approved
      ? 'Your submission to the New Theatre alumni site has been approved'
      : 'Your submission to the New Theatre alumni site was not accepted',
    greeting: 'Hello,',
    paragraphs: [
      approved
        ? 'A submission to the New Theatre alumni site that gave this email address has been approved by a moderator.'
        : 'A submission to the New Theatre alumni site that gave this email address was not accepted by a moderator.',
      'If you did not send it, someone else gave your address: you can ignore this email.',
    ],
    footnote: 'You get this email because a submission to the New Theatre alumni site gave this address.',
  });
}
