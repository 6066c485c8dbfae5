/**
 * The review workflow's emails: who is told about a submission in each round, and what the submitter is told at
 * the end. Every email is claimed before it is sent (`claimNotice`), so a retried task never sends one twice; a
 * failure worth retrying gives the claim back first. Emails carry an opaque submission id, never a task token.
 */
import { requiredEnv } from '../config.js';
import { takeDailyAllowance, utcDay } from '../daily-allowance.js';
import { renderEmail } from '../email/render.js';
import { sendEmail } from '../email/send.js';
import { WorkflowTaskError, taskErrors } from '../errors.js';
import { keys } from '../keys.js';
import { logger } from '../logger.js';
import { getMember } from '../members/account.js';
import type { Scope, StaffItem } from '../staff/model.js';
import { listStaff } from '../staff/repository.js';
import type { SubmissionItem } from './model.js';
import { submissionSettings } from './settings.js';
import { claimNotice, releaseNotice } from './store.js';

export type RecipientRole = 'moderator' | 'site-admin' | 'network-admin';

export interface Recipient {
  staff: StaffItem;
  role: RecipientRole;
}

const STAFF_PAGE = 100;

/** Active staff holding any of `wanted` (by the first of those roles they hold), in address order. */
async function staffWith(wanted: { scope: Scope; role: RecipientRole }[]): Promise<Recipient[]> {
  const found: Recipient[] = [];
  let cursor: string | undefined;
  do {
    const page = await listStaff({ limit: STAFF_PAGE, ...(cursor ? { cursor } : {}) });
    for (const { staff, scopes } of page.items) {
      if (staff.status !== 'active') continue;
      const match = wanted.find((entry) => scopes.includes(entry.scope));
      if (match) found.push({ staff, role: match.role });
    }
    cursor = page.cursor;
  } while (cursor);
  return found;
}

/**
 * Round 0 tells the site's moderators. Each later round reminds them and escalates to the site's admins and the
 * network admins. A site without moderators escalates at once: nobody would ever hear of the submission otherwise.
 */
export async function recipientsForRound(site: string, round: number): Promise<Recipient[]> {
  const moderators = { scope: `site:${site}:moderate` as Scope, role: 'moderator' as const };
  const escalation = [
    { scope: `site:${site}:admin` as Scope, role: 'site-admin' as const },
    { scope: 'network:admin' as Scope, role: 'network-admin' as const },
  ];
  if (round > 0) return staffWith([moderators, ...escalation]);
  const found = await staffWith([moderators]);
  return found.length > 0 ? found : staffWith(escalation);
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

function reviewEmail(submission: SubmissionItem, recipient: Recipient, round: number, waitedDays: number) {
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
  recipients: Recipient[],
  waitedSeconds: number,
): Promise<number> {
  let sent = 0;
  for (const recipient of recipients) {
    const notice = `${round}#${recipient.staff.id}`;
    if (!(await claimNotice(submission.id, notice))) continue;
    const allowed = await takeDailyAllowance({
      key: keys.noticeLimit(`STAFF#${recipient.staff.id}`, utcDay(new Date())),
      maximum: submissionSettings().moderationNoticesPerDay,
      entity: 'notice-limit',
      // The same notice retried (after a throttled send) counts once.
      claimId: `${submission.id}#${notice}`,
    });
    if (!allowed) {
      logger.info('Moderation email skipped: daily limit reached', {
        submissionId: submission.id,
        staffId: recipient.staff.id,
      });
      continue;
    }
    const email = reviewEmail(submission, recipient, round, Math.max(1, Math.round(waitedSeconds / 86400)));
    try {
      await sendEmail(recipient.staff.email, email);
      sent++;
    } catch (error) {
      if (error instanceof WorkflowTaskError && error.name === taskErrors.retryable) {
        await releaseNotice(submission.id, notice);
        throw error;
      }
      logger.warn('Moderation email refused', {
        submissionId: submission.id,
        staffId: recipient.staff.id,
        error: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  return sent;
}

/** Where the submitter hears the outcome: their member address, or the one an anonymous visitor gave; or none. */
export async function submitterAddress(submission: SubmissionItem): Promise<string | undefined> {
  if (submission.submitter.verified) {
    const member = await getMember(submission.submitter.id);
    return member?.status === 'active' ? member.email : undefined;
  }
  return submission.submitter.email;
}

/**
 * The outcome email. A member (whose address was verified) gets the full one: their name, what they sent about and
 * the moderator's reason, escaped. An anonymous visitor's address was never verified, and whoever filled in the form
 * chose it along with the name and the text: it gets a fixed text with nothing the submitter wrote, and no reason
 * (which may talk about the submission), so the service cannot be made to carry someone's words to a stranger.
 */
export function outcomeEmail(submission: SubmissionItem) {
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

function unverifiedOutcomeEmail(approved: boolean) {
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
