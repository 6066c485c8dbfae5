/**
 * The consent ledger: every grant and withdrawal is an entry (`MEMBER#<id>` / `CONSENT#<at>#<name>`) with its time
 * and source; the profile holds the current value and since when it has held it, so an unchanged consent keeps its
 * original grant date (lumina re-stamped every date on every update and kept no trace of withdrawals).
 */
import { keys } from '../keys.js';
import { CONSENT_NAMES, type Consent, type ConsentName, type ConsentState } from './model.js';

export type ConsentSource = 'registration' | 'profile-update' | 'erasure';

export interface ConsentLedgerEntry {
  pk: string;
  sk: string;
  entity: 'consent';
  memberId: string;
  consent: ConsentName;
  granted: boolean;
  at: string;
  source: ConsentSource;
  createdAt: string;
}

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
