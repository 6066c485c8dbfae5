/**
 * Reads emails back from the SES emulator (`GET /store`), the way a person reads the web inbox. The emulator is
 * shared by every test file, so tests use addresses of their own and filter by recipient.
 */
import { eventually } from './local-stepfunctions.js';

export interface StoredEmail {
  messageId: string;
  from: string;
  replyTo: string[];
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

export async function emailsTo(sesUrl: string, address: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  const store = (await response.json()) as { emails: StoredEmail[] };
  return store.emails.filter((email) => email.destination.to.includes(address));
}

/** Waits until `count` emails to `address` have arrived, and returns them. */
export function awaitEmails(sesUrl: string, address: string, count = 1): Promise<StoredEmail[]> {
  return eventually(async () => {
    const emails = await emailsTo(sesUrl, address);
    return emails.length >= count ? emails : undefined;
  }, 10_000);
}

/** The link token of an emailed `/auth?token=` link. */
export function linkTokenIn(email: StoredEmail): string {
  const match = /\/auth\?token=([A-Za-z0-9_-]+)/.exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error('No link token in the email');
  return match[1];
}
