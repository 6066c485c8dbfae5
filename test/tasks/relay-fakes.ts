/**
 * In-memory stand-ins for the relay tasks' dependencies: a relay repository with the same shape and the same
 * at-most-once and first-close-wins behaviour as `core/relay/repository.ts`, and a mailer that keeps what it sends.
 * For fast task tests (no emulator).
 */
import type { Clock } from '../../core/clock.js';
import type { RenderedEmail } from '../../core/email/render.js';
import { DomainError } from '../../core/errors.js';
import type { RelayItem, RelayMember, RelayResult, StoredRelay } from '../../core/relay/model.js';
import type { RelayRepository } from '../../core/relay/repository.js';
import { openRelay, type QuotaReservation, type ReservationRefusal } from '../../core/relay/rules.js';
import type { Mailer } from '../../tasks/define-task.js';

export interface SentEmail {
  to: string;
  email: RenderedEmail;
  replyTo?: string;
}

/** Keeps every email; `failNext(error)` makes the next sends fail (one per error), as SES might. */
export function memoryMailer(): Mailer & { sent: SentEmail[]; failNext(...errors: Error[]): void } {
  const sent: SentEmail[] = [];
  const failures: Error[] = [];
  return {
    sent,
    failNext: (...errors) => failures.push(...errors),
    send(to, email, options) {
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      sent.push({ to, email, ...(options?.replyTo ? { replyTo: options.replyTo } : {}) });
      return Promise.resolve(`message-${sent.length}`);
    },
  };
}

type TaskSide = Pick<
  RelayRepository,
  | 'getRelay'
  | 'getMember'
  | 'isBlocked'
  | 'storeTaskToken'
  | 'issueLink'
  | 'reserveQuota'
  | 'releaseQuota'
  | 'sendOnce'
  | 'closeRelay'
>;

export interface MemoryRelays extends TaskSide {
  relays: Map<string, StoredRelay>;
  members: Map<string, RelayMember>;
  blocks: Set<string>;
  links: { memberId: string; purpose: string; relayId: string; token: string }[];
  reservations: QuotaReservation[];
  releases: { relayId: string; day: string }[];
  /** What the next `reserveQuota` answers (reserved when unset). */
  refuseNextReservation(refusal: ReservationRefusal): void;
}

export function memoryRelays(
  initial: { relays?: StoredRelay[]; members?: RelayMember[]; blocks?: [string, string][] } = {},
): MemoryRelays {
  const relays = new Map((initial.relays ?? []).map((relay) => [relay.relayId, structuredClone(relay)]));
  const members = new Map((initial.members ?? []).map((member) => [member.id, structuredClone(member)]));
  const blocks = new Set((initial.blocks ?? []).map(([recipient, sender]) => `${recipient}|${sender}`));
  const links: MemoryRelays['links'] = [];
  const reservations: QuotaReservation[] = [];
  const releases: MemoryRelays['releases'] = [];
  let nextRefusal: ReservationRefusal | undefined;

  const stored = (relayId: string): StoredRelay | undefined => {
    const relay = relays.get(relayId);
    return relay && structuredClone(relay);
  };

  return {
    relays,
    members,
    blocks,
    links,
    reservations,
    releases,
    refuseNextReservation(refusal) {
      nextRefusal = refusal;
    },
    getRelay: (relayId) => Promise.resolve().then(() => openRelay(stored(relayId))),
    getMember: (memberId) => Promise.resolve(members.get(memberId) && structuredClone(members.get(memberId))),
    isBlocked: (recipientKey, senderKey) => Promise.resolve(blocks.has(`${recipientKey}|${senderKey}`)),
    storeTaskToken: (relayId, taskToken, now) =>
      Promise.resolve().then(() => {
        const relay = relays.get(relayId);
        if (!relay || relay.senderKind !== 'student' || relay.outcome) {
          throw new DomainError('InvalidInput', 'No open student request with this id');
        }
        Object.assign(relay, { verificationTaskToken: taskToken, updatedAt: now.toISOString() });
        return openRelay(structuredClone(relay));
      }),
    issueLink: (memberId, purpose, _validForSeconds, relayId) => {
      const token = `token-${links.length + 1}`;
      links.push({ memberId, purpose, relayId, token });
      return Promise.resolve(token);
    },
    reserveQuota: (reservation) => {
      reservations.push(reservation);
      const refusal = nextRefusal;
      nextRefusal = undefined;
      const relay = relays.get(reservation.relayId);
      if (!refusal && relay) {
        Object.assign(relay, { quotaReservedAt: reservation.at, quotaDay: reservation.day });
      }
      return Promise.resolve(refusal);
    },
    releaseQuota: (relay: RelayItem, day: string) => {
      releases.push({ relayId: relay.relayId, day });
      const stored = relays.get(relay.relayId);
      if (stored) {
        delete stored.quotaReservedAt;
        delete stored.quotaDay;
      }
      return Promise.resolve();
    },
    async sendOnce(relayId: string, clock: Clock, send: () => Promise<void>) {
      const relay = relays.get(relayId);
      if (!relay) throw new Error(`No relay ${relayId}`);
      if (relay.sendClaimedAt) return false;
      Object.assign(relay, { sendClaimedAt: clock.now().toISOString() });
      try {
        await send();
      } catch (error) {
        delete relay.sendClaimedAt;
        throw error;
      }
      Object.assign(relay, { sentAt: clock.now().toISOString() });
      return true;
    },
    closeRelay: (relayId: string, result: RelayResult, now: Date, expiresAt: number) => {
      const relay = relays.get(relayId);
      if (relay && !relay.outcome) {
        for (const field of [
          'message',
          'subject',
          'studentName',
          'studentEmail',
          'verificationTaskToken',
          'recipientId',
          'senderMemberId',
        ] as const) {
          delete relay[field];
        }
        Object.assign(relay, {
          outcome: result.outcome,
          ...(result.limit ? { limit: result.limit } : {}),
          updatedAt: now.toISOString(),
          expiresAt,
        });
      }
      return Promise.resolve();
    },
  };
}
