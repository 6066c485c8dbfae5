import { SendEmailCommand } from '@aws-sdk/client-ses';
import { sesClient } from '../aws-clients.js';
import { requiredEnv } from '../config.js';
import { DomainError, errorName, rethrowAwsError } from '../errors.js';
import type { RenderedEmail } from './render.js';

/** SES answers in well under a second; an emulator action it does not implement never answers at all. */
const SEND_TIMEOUT_MS = 10_000;

/**
 * SES refused an email for good (not retryable), under SES's error name (`MessageRejected`, ...). Only that name and
 * the HTTP status are kept: SES's messages can name the recipient ("... failed the check in region ...: <address>"),
 * and an error's message ends up in logs, task failures and execution histories.
 */
export class EmailRefused extends Error {
  constructor(error: unknown) {
    const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
      ?.httpStatusCode;
    super(`SES refused the email: ${errorName(error)}${status ? ` (HTTP ${status})` : ''}`);
    this.name = errorName(error);
  }
}

/**
 * Sends one email to one recipient (SES v1; one recipient per message also suits the emulator, which keeps only
 * the first address of a list), optionally with a Reply-To. Returns the SES message id. Failures that are safe to
 * retry become RetryableError; others `EmailRefused`. Neither carries SES's message.
 */
export async function sendEmail(
  to: string,
  email: RenderedEmail,
  options: { replyTo?: string } = {},
): Promise<string> {
  try {
    const result = await sesClient.send(
      new SendEmailCommand({
        Source: requiredEnv('EMAIL_SENDER'),
        Destination: { ToAddresses: [to] },
        ...(options.replyTo ? { ReplyToAddresses: [options.replyTo] } : {}),
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
        },
      }),
      { abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
    );
    return result.MessageId ?? '';
  } catch (error) {
    try {
      rethrowAwsError(error);
    } catch (failure) {
      if (failure instanceof DomainError) throw failure;
      throw new EmailRefused(failure);
    }
  }
}
