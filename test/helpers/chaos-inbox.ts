/**
 * The SES emulator's inbox for the chaos runs: one poller reads `GET /store?since=` (the emulator's own filter, so
 * thousands of stored emails cost nothing per poll) and files every email once by recipient, so many concurrent
 * runs can wait for their own emails and count them exactly.
 */
import type { StoredEmail } from './inbox.js';
import { eventually } from './local-stepfunctions.js';

const POLL_MS = 100;

export class ChaosInbox {
  private readonly seen = new Set<string>();
  private readonly byRecipient = new Map<string, StoredEmail[]>();
  private sinceSeconds = Math.floor(Date.now() / 1000) - 1;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(private readonly sesUrl: string) {}

  start(): void {
    const tick = () => {
      this.polling = this.poll()
        .catch(() => undefined)
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, POLL_MS);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Reads the store now (also used before counting, so nothing sent just before is missed). */
  async poll(): Promise<void> {
    const response = await fetch(`${this.sesUrl}/store?since=${this.sinceSeconds}`);
    const { emails } = (await response.json()) as { emails: StoredEmail[] };
    let newest = this.sinceSeconds;
    for (const email of emails) {
      newest = Math.max(newest, email.at);
      if (this.seen.has(email.messageId)) continue;
      this.seen.add(email.messageId);
      for (const to of email.destination.to) {
        const list = this.byRecipient.get(to.toLowerCase()) ?? [];
        list.push(email);
        this.byRecipient.set(to.toLowerCase(), list);
      }
    }
    // `at` is in whole seconds: read the last two seconds again (the ids keep them from counting twice).
    this.sinceSeconds = Math.max(this.sinceSeconds, newest - 2);
  }

  to(address: string): StoredEmail[] {
    return [...(this.byRecipient.get(address.toLowerCase()) ?? [])];
  }

  /** Waits for an email to `address` that `match` accepts. */
  async await(
    address: string,
    match: (email: StoredEmail) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<StoredEmail> {
    return eventually(() => this.to(address).find(match), timeoutMs).catch(() => {
      throw new Error(`No email to ${address} within ${timeoutMs} ms`);
    });
  }
}
