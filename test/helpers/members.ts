/**
 * Members written straight into the table, as the registration workflow leaves them (a pending reservation, or an
 * activated member), so API tests need not run the workflow. Only keys from `core/keys.ts`.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { epochSeconds, indexKeys, keys } from '../../core/keys.js';
import { applyConsent } from '../../core/members/consent.js';
import type { Consent, MemberItem } from '../../core/members/model.js';

export interface TestMemberOptions {
  id: string;
  email?: string;
  fullName?: string;
  phone?: string | null;
  yearOfGraduation?: number | null;
  consent?: Partial<Consent>;
  anonymousId?: string;
  /** When the registration was made (consent grant dates, createdAt). */
  registeredAt?: string;
}

const noConsent: Consent = {
  consentNews: false,
  consentNetwork: false,
  consentMembers: false,
  consentStudents: false,
};

async function put(item: object): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: tableName(), Item: item }));
}

async function putMember(options: TestMemberOptions, status: 'active' | 'pending'): Promise<MemberItem> {
  const at = options.registeredAt ?? new Date(Date.now() - 86_400_000).toISOString();
  const email = options.email ?? `${options.id}@example.com`;
  const consent = { ...noConsent, ...options.consent };
  const { state, entries } = applyConsent(options.id, undefined, consent, at, 'registration');
  const member: MemberItem = {
    ...keys.member(options.id),
    entity: 'member',
    id: options.id,
    status,
    fullName: options.fullName ?? 'Fred Bloggs',
    email,
    phone: options.phone ?? null,
    yearOfGraduation: options.yearOfGraduation === undefined ? 1980 : options.yearOfGraduation,
    consent: state,
    anonymousIds: [options.anonymousId ?? randomUUID()],
    registeredAt: at,
    createdAt: at,
    updatedAt: at,
    emailVerifiedAt: status === 'active' ? at : null,
    ...(status === 'active'
      ? indexKeys.activeMember(options.id)
      : {
          registrationExecution: `reg-${options.id}-test`,
          verificationTaskToken: 'test-task-token',
          expiresAt: epochSeconds(new Date()) + 72 * 3600,
        }),
  };
  await put(member);
  // A pending registration holds no address: it is taken when the registration is verified.
  if (status === 'active') {
    await put({
      ...keys.memberEmail(email),
      entity: 'member-email',
      memberId: options.id,
      createdAt: at,
      updatedAt: at,
    });
  }
  for (const entry of entries) await put(entry);
  return member;
}

/** An active (verified) member with its email reservation and registration consent entries. */
export function putActiveMember(options: TestMemberOptions): Promise<MemberItem> {
  return putMember(options, 'active');
}

/** A pending (unverified) registration, as the workflow's reservation leaves it while waiting. */
export function putPendingMember(options: TestMemberOptions): Promise<MemberItem> {
  return putMember(options, 'pending');
}

/** A submission item filed under a submitter (member id or anonymous id). */
export async function putSubmission(submitterId: string, message: string, email?: string) {
  const id = randomUUID();
  const createdAt = new Date().toISOString();
  const item = {
    ...keys.submission(id),
    ...indexKeys.submitterSubmission(submitterId, createdAt, id),
    entity: 'submission',
    id,
    submitter: { id: submitterId, verified: true, name: 'Fred Bloggs', ...(email ? { email } : {}) },
    targetType: 'person',
    targetName: 'Fred Bloggs',
    targetUrl: 'https://history.newtheatre.org.uk/people/fred_bloggs',
    subject: null,
    message,
    status: 'approved',
    createdAt,
    updatedAt: createdAt,
  };
  await put(item);
  return item;
}

/** Every item of the member's partition and their email reservation: what "nothing changed" compares. */
export async function memberSnapshot(memberId: string, email: string): Promise<unknown[]> {
  const partition = await documentClient.send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.memberPartition(memberId) },
      ConsistentRead: true,
    }),
  );
  const emailItem = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.memberEmail(email), ConsistentRead: true }),
  );
  return [...(partition.Items ?? []), emailItem.Item ?? null];
}
