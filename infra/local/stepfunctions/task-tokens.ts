/**
 * Task tokens for `.waitForTaskToken` states. A token is a random credential handed to the task; the runtime keeps
 * only its SHA-256, so neither memory dumps of the registry nor the persisted execution records hold a usable token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { apiError } from './errors.js';

const TOKEN_PATTERN = /^LST1[A-Za-z0-9_-]{64}$/;

export interface TaskWaiter {
  executionArn: string;
  stateName: string;
  succeed(output: unknown): void;
  fail(error: string, cause: string): void;
  heartbeat(): void;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class TaskTokens {
  private readonly waiting = new Map<string, TaskWaiter>();
  /** Tokens whose task has ended (answered, timed out, stopped): AWS answers these with TaskTimedOut. */
  private readonly ended = new Set<string>();

  mint(): { token: string; hash: string } {
    const token = `LST1${randomBytes(48).toString('base64url')}`;
    return { token, hash: hashToken(token) };
  }

  register(hash: string, waiter: TaskWaiter): void {
    this.waiting.set(hash, waiter);
  }

  /** Forgets a waiting task; later answers with its token are refused with TaskTimedOut. */
  end(hash: string): void {
    this.waiting.delete(hash);
    this.ended.add(hash);
  }

  /** The waiter for a token, or the API error AWS gives for it. */
  find(token: unknown): TaskWaiter {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw apiError.invalidToken();
    const hash = hashToken(token);
    const waiter = this.waiting.get(hash);
    if (waiter) return waiter;
    if (this.ended.has(hash)) throw apiError.taskTimedOut();
    throw apiError.taskDoesNotExist();
  }
}
