/**
 * The dependency probes of `GET /health` (api/health.ts runs them, each bounded by a timeout, and reports them).
 * Each must honour `signal`, which aborts when the check's time is up.
 */
import { SendEmailCommand } from '@aws-sdk/client-ses';
import { ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { sesClient, sfnClient } from '../aws-clients.js';
import { healthRepository } from './repository.js';

/** One dependency probe; it must honour `signal`, which aborts when the check's time is up. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;
export type DependencyName = 'database' | 'email' | 'workflows';

/** A failure whose message we wrote ourselves, so it may be shown to anyone. */
export class DependencyCheckFailure extends Error {
  override name = 'DependencyCheckFailure';
}

export const dependencyChecks: Record<DependencyName, DependencyCheck> = {
  /** The application table exists and answers a read (see `healthRepository.probeTable`). */
  async database(signal) {
    if (!process.env.TABLE_NAME) throw new DependencyCheckFailure('TABLE_NAME is not set');
    await healthRepository.probeTable(signal);
  },

  /**
   * SES answers. The SES emulator implements only SendEmail and SendRawEmail of the v1 API (other actions never
   * answer, so GetSendQuota cannot be used), so probe with a SendEmail that has no message and no recipients: SES
   * and the emulator both reject it with 400 before sending anything. 400 therefore means "reachable, request
   * signed and understood"; 403 (bad credentials), 5xx, network errors and timeouts mean failure.
   */
  async email(signal) {
    try {
      // From the configured sender: in AWS the API may send only from that address, so a probe without it would
      // be refused by IAM (403) before SES could reject it.
      await sesClient.send(
        new SendEmailCommand({
          Source: process.env.EMAIL_SENDER,
          Destination: undefined,
          Message: undefined,
        }),
        {
          abortSignal: signal,
        },
      );
    } catch (error) {
      if (httpStatusOf(error) === 400) return;
      throw error;
    }
  },

  /** The Step Functions endpoint answers. */
  async workflows(signal) {
    await sfnClient.send(new ListStateMachinesCommand({ maxResults: 1 }), { abortSignal: signal });
  },
};

/** The HTTP status of an AWS SDK error, if it has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
