/**
 * The consent ledger: every grant and withdrawal is an entry (`MEMBER#<id>` / `CONSENT#<at>#<name>`) with its time
 * and source; the profile holds the current value and since when it has held it, so an unchanged consent keeps its
 * original grant date (lumina re-stamped every date on every update and kept no trace of withdrawals).
 */
import { z } from 'zod';
import { keys } from '../keys.js';
import { CONSENT_NAMES, type Consent, type ConsentName, type ConsentState } from './model.js';

export const ConsentSourceSchema = z.enum(['registration', 'profile-update', 'erasure']);
export type ConsentSource = z.infer<typeof ConsentSourceSchema>;

/** A ledger entry, `MEMBER#<id>` / `CONSENT#<at>#<name>` (append-only). */
export const ConsentLedgerEntrySchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('consent'),
  memberId: z.string(),
  consent: z.enum(CONSENT_NAMES),
  granted: z.boolean(),
  at: z.string(),
  source: ConsentSourceSchema,
  createdAt: z.string(),
});
export type ConsentLedgerEntry = z.infer<typeof ConsentLedgerEntrySchema>;

export interface ConsentChange {
  state: Record<ConsentName, ConsentState>;
  entries: ConsentLedgerEntry[];
}

/**
 * The new consent state and the ledger entries for moving from `current` (none at registration) to `requested`.
 * Only changes produce entries; at registration every consent given is recorded, granted or not.
 */
export function applyConsent(
  memberId: string,
  current: Record<ConsentName, ConsentState> | undefined,
  requested: Consent,
  at: string,
  source: ConsentSource,
): ConsentChange {
  const state = {} as Record<ConsentName, ConsentState>;
  const entries: ConsentLedgerEntry[] = [];
  for (const name of CONSENT_NAMES) {
    const before = current?.[name];
    const granted = requested[name];
    if (before && before.granted === granted) {
      state[name] = before;
      continue;
    }
    state[name] = { granted, since: at };
    entries.push({
      ...keys.consentEntry(memberId, at, name),
      entity: 'consent',
      memberId,
      consent: name,
      granted,
      at,
      source,
      createdAt: at,
    });
  }
  return { state, entries };
}
