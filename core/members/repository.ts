/**
 * Members in the table (see `core/keys.ts`): the only members module that talks to DynamoDB, through the shared
 * helpers of `core/db.ts` where they fit. Every read is parsed with its item schema (`model.ts`, `consent.ts`),
 * never cast; every write is one call here, so a task can take `memberRepository` as a dependency and a fast test
 * can hand it an in-memory fake of the same shape.
 *
 * What is decided (who owns a registration, when a link expires, what activation writes) is in `rules.ts`; this
 * module only keeps the invariants that need the table (conditional writes, transactions).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { documentClient, tableName } from '../aws-clients.js';
import {
  batchWrite,
  claimOnce,
  deleteItem,
  getItem,
  parseItem,
  putIfAbsent,
  putItem,
  queryAll,
  releaseClaim,
  transact,
  updateIf,
  type Item,
  type TransactItem,
  type TransactOutcome,
} from '../db.js';
import { rethrowAwsError } from '../errors.js';
import { indexKeys, keys, type ItemKey } from '../keys.js';
import { ConsentLedgerEntrySchema, type ConsentLedgerEntry } from './consent.js';
import {
  MemberEmailItemSchema,
  MemberItemSchema,
  type ConsentName,
  type ConsentState,
  type MemberItem,
} from './model.js';

/** The registration request item, `REGISTRATION#<id>` / `REQUEST` (`registration-request.ts`). */
export const RegistrationRequestItemSchema = z.looseObject({
  pk: z.string(),
  sk: z.string(),
  entity: z.literal('registration-request').optional(),
  /** Checked against the workflow's input by the task (a mismatch is the workflow's bad input). */
  memberId: z.unknown(),
  /** Validated by the task with `RegistrationSchema` (an invalid one is the workflow's bad input). */
  registration: z.unknown(),
  createdAt: z.string().optional(),
  expiresAt: z.number().optional(),
});
export type RegistrationRequestItem = z.infer<typeof RegistrationRequestItemSchema>;

/** Any item: submissions, sessions and partition contents the members module reads without owning their shape. */
const AnyItemSchema = z.looseObject({ pk: z.string(), sk: z.string() });
type AnyItem = z.infer<typeof AnyItemSchema>;

// ------------------------------------------------------------------------------------------ registration request

async function putRegistrationRequest(item: RegistrationRequestItem): Promise<void> {
  await putItem(item);
}

async function getRegistrationRequest(requestId: string): Promise<RegistrationRequestItem | undefined> {
  return getItem(RegistrationRequestItemSchema, keys.registrationRequest(requestId));
}

async function deleteRegistrationRequest(requestId: string): Promise<void> {
  await deleteItem(keys.registrationRequest(requestId));
}

// ------------------------------------------------------------------------------------------ profile

/** The profile (strongly consistent), parsed; `undefined` when there is none. The one place a profile is read. */
async function getMember(memberId: string): Promise<MemberItem | undefined> {
  return getItem(MemberItemSchema, keys.member(memberId));
}

/** The id of the member holding `email`'s reservation, if any. */
async function addressHolder(email: string): Promise<string | undefined> {
  const reservation = await getItem(MemberEmailItemSchema, keys.memberEmail(email));
  return reservation?.memberId;
}

/**
 * Writes a pending profile unless the id is taken. When it is, says which registration execution holds it (a
 * retry of the same execution finds its own reservation).
 */
async function reserveMember(
  profile: MemberItem,
): Promise<{ reserved: true } | { reserved: false; heldBy: string | undefined }> {
  const outcome = await putIfAbsent(profile);
  if (outcome.written) return { reserved: true };
  const heldBy = outcome.existing.registrationExecution;
  return { reserved: false, heldBy: typeof heldBy === 'string' ? heldBy : undefined };
}

/** The pending registration of `executionName` takes the task token; `undefined` when it is not pending (or not its). */
async function storeVerificationTaskToken(
  memberId: string,
  executionName: string,
  change: { taskToken: string; validUntil: string; now: string },
): Promise<MemberItem | undefined> {
  return updateIf(MemberItemSchema, {
    Key: keys.member(memberId),
    UpdateExpression:
      'SET verificationTaskToken = :token, verificationValidUntil = :validUntil, updatedAt = :now',
    ConditionExpression: '#status = :pending AND registrationExecution = :execution',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':token': change.taskToken,
      ':validUntil': change.validUntil,
      ':now': change.now,
      ':pending': 'pending',
      ':execution': executionName,
    },
  });
}

/**
 * Makes `linkHash` the registration's only working link, if the registration is still `member`'s and waiting.
 * False when it has ended (activated, released) meanwhile.
 */
async function recordLatestLink(member: MemberItem, linkHash: string, now: string): Promise<boolean> {
  const updated = await updateIf(MemberItemSchema, {
    Key: keys.member(member.id),
    UpdateExpression: 'SET verificationLinkHash = :hash, updatedAt = :now',
    ConditionExpression: '#status = :pending AND registrationExecution = :execution',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':hash': linkHash,
      ':now': now,
      ':pending': 'pending',
      ':execution': member.registrationExecution ?? '',
    },
  });
  return updated !== undefined;
}

/** Puts back the link `member` had (read before `replaced` was recorded), unless a later one replaced it since. */
async function restoreLink(member: MemberItem, replaced: string, now: string): Promise<void> {
  const previous = member.verificationLinkHash;
  await updateIf(MemberItemSchema, {
    Key: keys.member(member.id),
    UpdateExpression: previous
      ? 'SET verificationLinkHash = :previous, updatedAt = :now'
      : 'REMOVE verificationLinkHash SET updatedAt = :now',
    ConditionExpression: 'verificationLinkHash = :replaced',
    ExpressionAttributeValues: {
      ':replaced': replaced,
      ':now': now,
      ...(previous ? { ':previous': previous } : {}),
    },
  });
}

export type ActivationOutcome = 'activated' | 'address-taken' | 'profile-changed' | 'cancelled';

/**
 * In one transaction: the pending profile of `executionName` becomes active (listed, verified, its task token and
 * TTL removed) and takes its address, which must be free or already this registration's.
 */
async function activateMember(
  pending: MemberItem,
  executionName: string,
  verifiedAt: string,
  now: string,
): Promise<ActivationOutcome> {
  const memberId = pending.id;
  const outcome = await transact([
    {
      Update: {
        TableName: tableName(),
        Key: keys.member(memberId),
        UpdateExpression:
          'SET #status = :active, createdAt = :at, emailVerifiedAt = :at, updatedAt = :now, ' +
          'gsi1pk = :gsi1pk, gsi1sk = :gsi1sk REMOVE verificationTaskToken, expiresAt, ' +
          'registrationExecution, verificationValidUntil',
        ConditionExpression: '#status = :pending AND registrationExecution = :execution',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':active': 'active',
          ':pending': 'pending',
          ':execution': executionName,
          ':at': verifiedAt,
          ':now': now,
          ':gsi1pk': indexKeys.activeMember(memberId).gsi1pk,
          ':gsi1sk': indexKeys.activeMember(memberId).gsi1sk,
        },
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...keys.memberEmail(pending.email),
          entity: 'member-email',
          memberId,
          memberUid: pending.uid,
          registrationExecution: executionName,
          createdAt: now,
          updatedAt: now,
        },
        // Free, or already ours (a reservation made before addresses were taken at activation).
        ConditionExpression: 'attribute_not_exists(pk) OR registrationExecution = :execution',
        ExpressionAttributeValues: { ':execution': executionName },
      },
    },
  ]);
  if (outcome.ok) return 'activated';
  const [profile, address] = outcome.reasons.map((reason) => reason === 'ConditionalCheckFailed');
  if (address && !profile) return 'address-taken';
  if (profile) return 'profile-changed';
  return 'cancelled';
}

/** Submissions filed under a submitter id (a member's, or an anonymous one), every page. */
async function submissionsUnder(submitterId: string): Promise<AnyItem[]> {
  return queryAll(AnyItemSchema, {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': indexKeys.submitterPartition(submitterId) },
  });
}

/** Re-homes a submission filed under `anonymousId` to the verified `member` (unless it moved meanwhile). */
async function moveSubmissionToMember(
  submission: ItemKey,
  anonymousId: string,
  member: Pick<MemberItem, 'id' | 'fullName'>,
  now: string,
): Promise<boolean> {
  const moved = await updateIf(AnyItemSchema, {
    Key: { pk: submission.pk, sk: submission.sk },
    UpdateExpression: 'SET gsi1pk = :member, submitter = :submitter, updatedAt = :now',
    ConditionExpression: 'gsi1pk = :anonymous',
    ExpressionAttributeValues: {
      ':member': indexKeys.submitterPartition(member.id),
      ':anonymous': indexKeys.submitterPartition(anonymousId),
      ':submitter': { id: member.id, verified: true, name: member.fullName },
      ':now': now,
    },
  });
  return moved !== undefined;
}

/** Claims the welcome email of an active member (once); `undefined` when it was claimed before. */
async function claimWelcome(memberId: string, at: string): Promise<MemberItem | undefined> {
  return claimOnce(MemberItemSchema, keys.member(memberId), 'welcomeEmailSentAt', at, {
    expression: '#status = :active',
    names: { '#status': 'status' },
    values: { ':active': 'active' },
  });
}

async function releaseWelcomeClaim(memberId: string): Promise<void> {
  await releaseClaim(keys.member(memberId), 'welcomeEmailSentAt');
}

/** Deletes `key` if it is absent or belongs to the registration `executionName`; another's item stays. */
async function deleteIfRegistrationOwns(key: ItemKey, executionName: string): Promise<void> {
  await documentClient
    .send(
      new DeleteCommand({
        TableName: tableName(),
        Key: key,
        ConditionExpression: 'attribute_not_exists(pk) OR registrationExecution = :execution',
        ExpressionAttributeValues: { ':execution': executionName },
      }),
    )
    .catch((error: unknown) => {
      // Held by another registration (e.g. the address item of someone else): not ours to delete.
      if (error instanceof ConditionalCheckFailedException) return;
      rethrowAwsError(error);
    });
}

// ------------------------------------------------------------------------------------------ consent ledger

/** Writes ledger entries (deterministic keys: a retry rewrites the same ones). */
async function putConsentEntries(entries: ConsentLedgerEntry[]): Promise<void> {
  await batchWrite(entries.map((entry) => ({ PutRequest: { Item: entry } })));
}

/** The member's consent ledger, oldest first. */
async function consentLedger(memberId: string): Promise<ConsentLedgerEntry[]> {
  return queryAll(ConsentLedgerEntrySchema, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':prefix': keys.consentPrefix },
    ConsistentRead: true,
  });
}

/** Deletes every consent entry of the member (a pending member has only its registration's). */
async function deleteConsentEntries(memberId: string): Promise<void> {
  const entries = await queryAll(AnyItemSchema, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :consent)',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId), ':consent': keys.consentPrefix },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  await deleteKeys(entries.map(({ pk, sk }) => ({ pk, sk })));
}

// ------------------------------------------------------------------------------------------ account

/** Active members by id, from the `gsi1` entries only active profiles carry. */
async function listActiveMembers(): Promise<MemberItem[]> {
  const { gsi1pk } = indexKeys.activeMember('');
  const items = await queryAll(z.looseObject({ entity: z.string().optional() }), {
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': gsi1pk },
  });
  return items
    .filter((item) => item.entity === 'member')
    .map((item) => parseItem(MemberItemSchema, item, { pk: String(item.pk), sk: String(item.sk) }))
    .filter((member) => member.status === 'active');
}

/** Everything stored under `MEMBER#<id>`: the profile, the consent ledger (oldest first), the sessions. */
async function memberPartition(memberId: string): Promise<AnyItem[]> {
  return queryAll(AnyItemSchema, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId) },
    ConsistentRead: true,
  });
}

/** The keys of every item in a partition (relay records, say). */
async function keysInPartition(pk: string): Promise<ItemKey[]> {
  const items = await queryAll(AnyItemSchema, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ProjectionExpression: 'pk, sk',
  });
  return items.map(({ pk: itemPk, sk }) => ({ pk: itemPk, sk }));
}

/**
 * Writes the new phone and consent state and the ledger entries of consents that changed, in one transaction
 * conditioned on the profile's `updatedAt`. False when a concurrent change made it fail as a whole.
 */
async function updateProfile(
  member: MemberItem,
  change: { phone: string | null; consent: Record<ConsentName, ConsentState>; at: string },
  entries: ConsentLedgerEntry[],
): Promise<boolean> {
  const outcome = await transact([
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
          ':phone': change.phone,
          ':consent': change.consent,
          ':now': change.at,
          ':expected': member.updatedAt,
          ':active': 'active',
        },
      },
    },
    ...entries.map((entry): TransactItem => ({
      Put: { TableName: tableName(), Item: entry, ConditionExpression: 'attribute_not_exists(pk)' },
    })),
  ]);
  return outcome.ok;
}

/**
 * Keeps a submission, attributed to a former member: the name replaced, the email removed, and the submitter id
 * replaced by `pseudonym`. Nothing to do when it is gone or has no submitter block.
 */
async function anonymizeSubmission(
  key: ItemKey,
  pseudonym: string,
  name: string,
  now: string,
): Promise<void> {
  await updateIf(AnyItemSchema, {
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
      ':former': name,
      ':pseudonym': pseudonym,
      ':partition': indexKeys.submitterPartition(pseudonym),
      ':now': now,
      ':map': 'M',
    },
  });
}

export type RemoveProfileOutcome = 'erased' | 'already-erased' | 'email-held-by-another' | 'conflict';

/** The profile, its address reservation and `sessionKey` deleted together with `audit` written. */
async function removeProfile(
  memberId: string,
  emailKey: ItemKey | undefined,
  sessionKey: ItemKey | undefined,
  audit: Item,
): Promise<RemoveProfileOutcome> {
  const table = tableName();
  const outcome: TransactOutcome = await transact([
    { Delete: { TableName: table, Key: keys.member(memberId), ConditionExpression: 'attribute_exists(pk)' } },
    { Put: { TableName: table, Item: audit, ConditionExpression: 'attribute_not_exists(pk)' } },
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
  ]);
  if (outcome.ok) return 'erased';
  // Erased by a concurrent request: done.
  if (outcome.reasons[0] === 'ConditionalCheckFailed') return 'already-erased';
  if (emailKey && outcome.reasons.at(-1) === 'ConditionalCheckFailed') return 'email-held-by-another';
  if (outcome.reasons.includes('TransactionConflict')) return 'conflict';
  throw new Error('Erasing the member was cancelled');
}

/** Deletes keys in batches of 25. */
async function deleteKeys(itemKeys: ItemKey[]): Promise<void> {
  await batchWrite(itemKeys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } })));
}

export const memberRepository = {
  putRegistrationRequest,
  getRegistrationRequest,
  deleteRegistrationRequest,
  getMember,
  addressHolder,
  reserveMember,
  storeVerificationTaskToken,
  recordLatestLink,
  restoreLink,
  activateMember,
  submissionsUnder,
  moveSubmissionToMember,
  claimWelcome,
  releaseWelcomeClaim,
  deleteIfRegistrationOwns,
  putConsentEntries,
  consentLedger,
  deleteConsentEntries,
  listActiveMembers,
  memberPartition,
  keysInPartition,
  updateProfile,
  anonymizeSubmission,
  removeProfile,
  deleteKeys,
};

export type MemberRepository = typeof memberRepository;
