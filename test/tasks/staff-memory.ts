/**
 * In-memory stand-ins for the staff tasks' dependencies (the repository's invitation and sign-in-request methods,
 * the mailer, link tokens and the sign-in allowance), keeping the same rules as the real ones (`core/staff/rules.ts`)
 * so a task's fast test exercises its contract without DynamoDB or SES.
 */
import { fixedClock } from '../../core/clock.js';
import type { RenderedEmail } from '../../core/email/render.js';
import { InvitationNotPending } from '../../core/staff/errors.js';
import type { Scope, StaffItem, StaffSignInRequestItem } from '../../core/staff/model.js';
import { isActivatedBy, nextTimestamp, ownsInvitation } from '../../core/staff/rules.js';

export const clock = () => fixedClock('2026-03-01T12:00:00.000Z');

export function invitedStaff(overrides: Partial<StaffItem> = {}): StaffItem {
  const id = overrides.id ?? '0b0f7a8e-8d53-4f1e-9d0c-3c1c8c6f2a10';
  const email = overrides.email ?? 'ada@example.org';
  return {
    pk: `STAFF#${id}`,
    sk: 'PROFILE',
    entity: 'staff',
    id,
    email,
    name: 'Ada',
    status: 'invited',
    createdAt: '2026-03-01T11:00:00.000Z',
    updatedAt: '2026-03-01T11:00:00.000Z',
    invitedBy: 'admin',
    invitationExecution: `staff-invite-${id}-1`,
    gsi1pk: 'STAFF',
    gsi1sk: email,
    ...overrides,
  };
}

/** The staff table's items the tasks touch, in memory. */
export function memoryStaff(users: StaffItem[] = [], scopes: Record<string, Scope[]> = {}) {
  const staff = new Map(users.map((user) => [user.id, { ...user }]));
  const requests = new Map<string, StaffSignInRequestItem>();
  const networkAdmins = { count: 0 };
  const read = (id: string) => {
    const user = staff.get(id);
    return user ? { ...user } : undefined;
  };
  return {
    staff,
    requests,
    networkAdmins,
    addRequest(requestId: string, email: string) {
      requests.set(requestId, {
        pk: `STAFF-SIGNIN#${requestId}`,
        sk: 'REQUEST',
        entity: 'staff-sign-in-request',
        email,
        createdAt: '2026-03-01T12:00:00.000Z',
        expiresAt: 0,
      });
    },
    loadPendingInvitation: settled((staffId: string, executionName: string) => {
      const user = read(staffId);
      if (!ownsInvitation(user, executionName)) throw new InvitationNotPending();
      return user;
    }),
    storeInvitationTaskToken: settled(
      (staffId: string, executionName: string, taskToken: string, now: Date = new Date(0)) => {
        const user = read(staffId);
        if (!ownsInvitation(user, executionName)) throw new InvitationNotPending();
        const updated = {
          ...user,
          invitationTaskToken: taskToken,
          updatedAt: nextTimestamp(user.updatedAt, now),
        };
        staff.set(staffId, updated);
        return { staff: { ...updated }, scopes: [...(scopes[staffId] ?? [])].sort() };
      },
    ),
    activateInvitation: settled(
      (staffId: string, executionName: string, acceptedAt: string, now: Date = new Date(0)) => {
        const user = read(staffId);
        if (user && isActivatedBy(user, acceptedAt)) return user;
        if (!ownsInvitation(user, executionName)) throw new InvitationNotPending();
        const { invitationTaskToken: _token, invitationExecution: _execution, ...rest } = user;
        const active: StaffItem = {
          ...rest,
          status: 'active',
          activatedAt: acceptedAt,
          updatedAt: nextTimestamp(user.updatedAt, now),
        };
        staff.set(staffId, active);
        if (scopes[staffId]?.includes('network:admin')) networkAdmins.count++;
        return { ...active };
      },
    ),
    expireInvitation: settled((staffId: string, executionName: string) => {
      if (!ownsInvitation(read(staffId), executionName)) return false;
      staff.delete(staffId);
      return true;
    }),
    getSignInRequest: settled((requestId: string) => {
      const request = requests.get(requestId);
      return request ? { ...request } : undefined;
    }),
    deleteSignInRequest: settled((requestId: string) => {
      requests.delete(requestId);
    }),
    findStaffByEmail: settled((email: string) => {
      const found = [...staff.values()].find((user) => user.email.toLowerCase() === email.toLowerCase());
      return found ? { ...found } : undefined;
    }),
  };
}

/** `fn` as an asynchronous method: its result resolved, what it throws rejected (as the real repository's). */
function settled<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R> {
  return (...args) => {
    try {
      return Promise.resolve(fn(...args));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/** A mailer that keeps what it sends; `failNext` makes the next sends throw `error`. */
export function memoryMailer() {
  const sent: { to: string; email: RenderedEmail }[] = [];
  const failures: Error[] = [];
  return {
    sent,
    failNext(error: Error, times = 1) {
      for (let i = 0; i < times; i++) failures.push(error);
    },
    send(to: string, email: RenderedEmail): Promise<string> {
      const failure = failures.shift();
      if (failure) return Promise.reject(failure);
      sent.push({ to, email });
      return Promise.resolve(`message-${sent.length}`);
    },
  };
}

/** Link tokens that are numbered instead of random, recording what each was issued for. */
export function memoryLinks() {
  const issued: { memberId: string; purpose: string; validForSeconds: number; extra: object }[] = [];
  return {
    issued,
    issue(memberId: string, purpose: string, validForSeconds: number, extra: object = {}) {
      issued.push({ memberId, purpose, validForSeconds, extra });
      return Promise.resolve({ token: `token-${issued.length}`, validUntil: '2026-03-01T13:00:00.000Z' });
    },
  };
}

/** A sign-in allowance of `left` emails, counting what is given back. */
export function memoryAllowance(left = 3) {
  const state = { left, returned: 0 };
  return {
    state,
    take(): Promise<boolean> {
      if (state.left <= 0) return Promise.resolve(false);
      state.left--;
      return Promise.resolve(true);
    },
    giveBack(): Promise<void> {
      state.left++;
      state.returned++;
      return Promise.resolve();
    },
  };
}
