/**
 * What the member API reads and writes directly (everything else goes through a workflow): profile reads, the
 * staff listing, profile updates through the consent ledger, the export and the erasure.
 * Only keys from `core/keys.ts`; no Scan anywhere (every read is a GetItem or a Query on a key or an index).
 */
import { randomUUID } from 'node:crypto';
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../aws-clients.js';
import { indexKeys, keys, type ItemKey } from '../keys.js';
import { memberRelayKey } from '../relay/model.js';
import { gaveAddress } from '../submissions/model.js';
import { applyConsent, type ConsentLedgerEntry } from './consent.js';
import { FORMER_MEMBER_PREFIX, type Consent, type MemberItem } from './model.js';

type Item = Record<string, unknown>;

/** A concurrent change won the race (optimistic concurrency): the caller should read again and retry. */
export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError';
}

/** The reasons of a cancelled transaction, or undefined for any other error. */
function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

export async function getMember(memberId: string): Promise<MemberItem | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.member(memberId), ConsistentRead: true }),
  );
  return Item as MemberItem | undefined;
}

/** Every page of a Query (DynamoDB pages at 1 MB; lumina's listing broke there). */
async function queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({ ...input, TableName: tableName(), ExclusiveStartKey: startKey }),
    );
    items.push(...((page.Items as Item[] | undefined) ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Active members by id, from the `gsi1` entries only active profiles carry. */
export async function listActiveMembers(): Promise<MemberItem[]> {
  const { gsi1pk } = indexKeys.activeMember('');
  const items = await queryAll({
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
  return (items as unknown as MemberItem[]).filter(
    (item) => item.entity === 'member' && item.status === 'active',
  );
}

/** Everything stored under `MEMBER#<id>`: the profile, the consent ledger (oldest first), the sessions. */
async function memberPartition(memberId: string): Promise<Item[]> {
  return queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId) },
    ConsistentRead: true,
  });
}

export async function consentLedger(memberId: string): Promise<ConsentLedgerEntry[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':prefix': keys.consentPrefix },
    ConsistentRead: true,
  });
  return items as unknown as ConsentLedgerEntry[];
}

/**
 * The member's submissions: those filed under their id (theirs, or claimed at activation), and those filed under
 * the anonymous id they registered with that gave their (verified) address, such as ones sent anonymously after
 * registering. An anonymous id alone proves nothing (it is shown with every submission): submissions under it from
 * anyone else are not the member's, are never exported to them, and are left alone by their erasure.
 */
async function submissionsOf(member: Pick<MemberItem, 'id' | 'email' | 'anonymousIds'>): Promise<Item[]> {
  const anonymousIds = (member.anonymousIds ?? []).filter((id) => id !== member.id);
  const [own, ...anonymous] = await Promise.all(
    [member.id, ...anonymousIds].map((submitterId) =>
      queryAll({
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': indexKeys.submitterPartition(submitterId) },
      }),
    ),
  );
  return [...(own ?? []), ...anonymous.flat().filter((item) => gaveAddress(item, member.email))].filter(
    (item) => item.entity === 'submission',
  );
}

export interface ProfileChanges {
  /** `undefined`: keep the current phone. */
  phone?: string | null;
  consent: Consent;
}

/**
 * Writes the new phone and consent state and only the ledger entries of consents that changed, in one
 * transaction conditioned on the profile's `updatedAt`: a concurrent change makes it fail as a whole.
 */
export async function updateProfile(
  member: MemberItem,
  changes: ProfileChanges,
  now = new Date(),
): Promise<MemberItem> {
  const at = now.toISOString();
  const { state, entries } = applyConsent(member.id, member.consent, changes.consent, at, 'profile-update');
  const phone = changes.phone === undefined ? member.phone : changes.phone;
  const updated: MemberItem = { ...member, phone, consent: state, updatedAt: at };
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName(),
              Key: keys.member(member.id),
              UpdateExpression: 'SET #phone = :phone, #consent = :consent, #updatedAt = :now',
              ConditionExpression: '#updatedAt = :expected AND #status = :active',
              ExpressionAttributeNames: {
                '#phone': 'phone',
                '#consent': 'consent',
                '#updatedAt': 'updatedAt',
                '#status': 'status',
              },
              ExpressionAttributeValues: {
                ':phone': phone,
                ':consent': state,
                ':now': at,
                ':expected': member.updatedAt,
                ':active': 'active',
              },
            },
          },
          ...entries.map((entry) => ({
            Put: { TableName: tableName(), Item: entry, ConditionExpression: 'attribute_not_exists(pk)' },
          })),
        ],
      }),
    );
  } catch (error) {
    if (cancellationReasons(error)) throw new ConcurrentChangeError('Member changed meanwhile');
    throw error;
  }
  return updated;
}

export interface SessionSummary {
  id: string;
  createdAt: string | null;
  validUntil: string | null;
}

/** Sessions as the export shows them: ids and times, never a token or a token hash. */
function sessionSummary(item: Item): SessionSummary {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const expiresAt = typeof item.expiresAt === 'number' ? new Date(item.expiresAt * 1000).toISOString() : null;
  return {
    id: String(item.sk).slice(keys.sessionPrefix.length),
    createdAt: text(item.createdAt),
    validUntil: text(item.validUntil) ?? expiresAt,
  };
}

/** A submission without its table keys. */
function withoutKeys(item: Item): Item {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gsi1pk,
    gsi1sk: _gsi1sk,
    gsi2pk: _gsi2pk,
    gsi2sk: _gsi2sk,
    ...rest
  } = item;
  return rest;
}

export interface MemberExport {
  member: MemberItem;
  consentLedger: ConsentLedgerEntry[];
  sessions: SessionSummary[];
  submissions: Item[];
}

export async function exportMember(member: MemberItem): Promise<MemberExport> {
  const [partition, submissions] = await Promise.all([memberPartition(member.id), submissionsOf(member)]);
  return {
    member,
    consentLedger: partition.filter((item) => String(item.sk).startsWith(keys.consentPrefix)) as never,
    sessions: partition.filter((item) => String(item.sk).startsWith(keys.sessionPrefix)).map(sessionSummary),
    submissions: submissions.map(withoutKeys),
  };
}

export const FORMER_MEMBER_NAME = 'Former member';

/** Deletes keys in batches of 25, resubmitting what DynamoDB leaves unprocessed (throttling). */
async function deleteAll(itemKeys: ItemKey[]): Promise<void> {
  for (let start = 0; start < itemKeys.length; start += 25) {
    let requests = itemKeys.slice(start, start + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      if (attempt > 8) throw new Error('Deleting member items kept being throttled');
      const result = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName()]: requests } }),
      );
      requests = (result.UnprocessedItems?.[tableName()] ?? []) as typeof requests;
    }
  }
}

/**
 * Keeps a submission, attributed to a former member: the name replaced, the email removed, and the member id
 * replaced by a pseudonym, so that whoever registers the freed id later does not inherit the submissions.
 */
async function anonymizeSubmission(key: ItemKey, pseudonym: string): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: key,
        UpdateExpression:
          'SET #submitter.#name = :former, #submitter.#id = :pseudonym, #gsi1pk = :partition, #updatedAt = :now ' +
          'REMOVE #submitter.#email',
        ConditionExpression: 'attribute_exists(pk) AND attribute_type(#submitter, :map)',
        ExpressionAttributeNames: {
          '#submitter': 'submitter',
          '#name': 'name',
          '#id': 'id',
          '#email': 'email',
          '#gsi1pk': 'gsi1pk',
          '#updatedAt': 'updatedAt',
        },
        ExpressionAttributeValues: {
          ':former': FORMER_MEMBER_NAME,
          ':pseudonym': pseudonym,
          ':partition': indexKeys.submitterPartition(pseudonym),
          ':now': new Date().toISOString(),
          ':map': 'M',
        },
      }),
    );
  } catch (error) {
    // Gone meanwhile, or it never had a submitter block: nothing personal to remove.
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return;
    throw error;
  }
}

/**
 * Erases a member. Safe to repeat: each step is idempotent and the profile (which authenticates the caller) and
 * the session in use go last, in one transaction with the audit entry, so a retry after a partial failure can
 * still authenticate and finish the job, and the audit entry is written once.
 * Returns false when the member was already erased.
 */
export async function eraseMember(memberId: string, currentSessionId?: string): Promise<boolean> {
  const profile = await getMember(memberId);
  if (!profile) return false;

  // 1. Personal fields of their submissions (which stay, attributed to a former member).
  const submissions = await submissionsOf(profile);
  const pseudonym = `${FORMER_MEMBER_PREFIX}${randomUUID()}`;
  for (const submission of submissions) {
    await anonymizeSubmission({ pk: String(submission.pk), sk: String(submission.sk) }, pseudonym);
  }

  // 2. Their relay records: the pair records of first emails they sent and the blocks they made (keyed by their
  // profile's uid, so nothing would pass to a later owner of the id anyway; this removes them rather than orphan
  // them). Records that name them on the other side (pairs of first emails they received, blocks of them) stay,
  // keyed by a uid no profile has any more: the other member's protection, about nobody identifiable.
  const relayKey = memberRelayKey(profile);
  const relayItems = await Promise.all(
    [keys.pairLimit(relayKey, '').pk, keys.relayBlock(relayKey, '').pk].map((pk) =>
      queryAll({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk',
      }),
    ),
  );
  await deleteAll(relayItems.flat().map((item) => ({ pk: String(item.pk), sk: String(item.sk) })));

  // 3. Consent ledger, other sessions and anything else in the partition, except the profile and this session.
  const currentSessionKey = currentSessionId ? keys.session(memberId, currentSessionId) : undefined;
  const partition = await memberPartition(memberId);
  await deleteAll(
    partition
      .map((item) => ({ pk: String(item.pk), sk: String(item.sk) }))
      .filter((key) => key.sk !== keys.member(memberId).sk && key.sk !== currentSessionKey?.sk),
  );

  // 4. The profile, its email reservation, this session and the audit entry, together.
  let emailKey: ItemKey | undefined = keys.memberEmail(profile.email);
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await removeProfile(memberId, emailKey, currentSessionKey);
    if (outcome === 'erased') return true;
    if (outcome === 'already-erased') return false;
    // The address is another member's reservation (it should not happen): erase without touching it.
    if (outcome === 'email-held-by-another') emailKey = undefined;
    // A concurrent transaction on the same items (a raced erase, say): try again, briefly.
    else if (attempt >= 4) throw new Error('Erasing the member kept conflicting with other writes');
    else await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
  }
}

async function removeProfile(
  memberId: string,
  emailKey: ItemKey | undefined,
  sessionKey: ItemKey | undefined,
): Promise<'erased' | 'already-erased' | 'email-held-by-another' | 'conflict'> {
  const at = new Date().toISOString();
  const table = tableName();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table,
              Key: keys.member(memberId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          {
            Put: {
              TableName: table,
              // Only that an erasure happened and when: no member id, no personal data.
              Item: {
                ...keys.audit(at, randomUUID()),
                entity: 'audit',
                action: 'member-erased',
                at,
                createdAt: at,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...(sessionKey ? [{ Delete: { TableName: table, Key: sessionKey } }] : []),
          ...(emailKey
            ? [
                {
                  Delete: {
                    TableName: table,
                    Key: emailKey,
                    // Never free an address another member holds (a reservation names its member).
                    ConditionExpression: 'attribute_not_exists(memberId) OR memberId = :id',
                    ExpressionAttributeValues: { ':id': memberId },
                  },
                },
              ]
            : []),
        ],
      }),
    );
    return 'erased';
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons) {
      // Erased by a concurrent request: done.
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'already-erased';
      if (emailKey && reasons.at(-1)?.Code === 'ConditionalCheckFailed') return 'email-held-by-another';
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) return 'conflict';
    }
    throw error;
  }
}
