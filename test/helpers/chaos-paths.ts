/**
 * The workflow paths the chaos runner drives (test/helpers/chaos.ts), each as a person and a site drive it: through
 * the API and the inbox only, with test-made members and staff where the path does not need the workflow that
 * makes them. Each run uses addresses and ids of its own, so runs can overlap and be counted apart.
 */
import { randomUUID } from 'node:crypto';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createSession } from '../../core/auth/sessions.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { studentSenderKey } from '../../core/relay/model.js';
import type { ChaosContext, ChaosPath, ExpectedExecution } from './chaos.js';
import type { StoredEmail } from './inbox.js';
import { putActiveMember } from './members.js';
import { putActiveStaff, staffSessionFor } from './staff.js';

/** Expiry paths wait this long (workflow seconds; the system runs at LOCAL_TIME_SCALE 0.001: about 2 s). */
const SHORT_WAIT_SECONDS = '2000';

// ------------------------------------------------------------------------------------------------ helpers

const short = () => randomUUID().slice(0, 8);

async function item(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
  );
  return Item;
}

function tokenIn(email: StoredEmail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(email.body.text ?? '');
  if (!match?.[1]) throw new Error(`No ${path} link in "${email.subject}"`);
  return match[1];
}

function expectStatus(what: string, response: { status: number; body: unknown }, ...allowed: number[]) {
  if (!allowed.includes(response.status)) {
    throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  }
}

/** Problems, as text, where `actual` differs from `expected` on the named fields. */
function differences(
  what: string,
  actual: Record<string, unknown> | undefined,
  expected: Record<string, unknown>,
) {
  if (!actual) return [`${what}: missing`];
  return Object.entries(expected)
    .filter(([field, value]) => JSON.stringify(actual[field]) !== JSON.stringify(value))
    .map(
      ([field, value]) =>
        `${what}.${field} is ${JSON.stringify(actual[field])}, expected ${JSON.stringify(value)}`,
    );
}

function absent(what: string, found: unknown) {
  return found ? [`${what}: left behind`] : [];
}

function leftFields(what: string, found: Record<string, unknown> | undefined, fields: string[]) {
  return fields.filter((field) => found && field in found).map((field) => `${what}.${field}: left behind`);
}

// ------------------------------------------------------------------------------------------------ registration

const subjects = {
  confirm: 'Confirm your email address for the New Theatre alumni network',
  welcome: 'Welcome to the New Theatre alumni network',
  invited: 'You are invited to help run the New Theatre alumni sites',
  moderation: 'A submission is waiting for moderation on the history site',
  approved: 'Your submission to the New Theatre alumni site has been approved',
  rejected: 'Your submission to the New Theatre alumni site was not accepted',
  studentConfirm: 'Confirm your message to a New Theatre alumnus',
} as const;

function registrationBody(email: string) {
  return {
    anonymous_id: randomUUID(),
    full_name: 'Chaos Bloggs',
    email,
    year_of_graduation: '1980',
    consent: { consent_news: true, consent_network: true, consent_members: true, consent_students: false },
  };
}

/** The registration executions of a member id (`reg-<id>-<hash>`). */
async function registrationNames(ctx: ChaosContext, memberId: string): Promise<string[]> {
  return (await ctx.executions('registration'))
    .map((execution) => execution.name!)
    .filter((name) => name.startsWith(`reg-${memberId}-`));
}

const oneRegistration =
  (memberId: string) =>
  async (ctx: ChaosContext): Promise<string | undefined> =>
    (await registrationNames(ctx, memberId))[0];

async function followVerification(ctx: ChaosContext, memberId: string, email: string) {
  const link = await ctx.inbox.await(email, (message) => message.subject === subjects.confirm);
  // A lumina-era site uses the link token as its Bearer token: the first use verifies.
  const profile = await ctx.call('GET', `/member/${memberId}`, { token: tokenIn(link, '/auth') });
  expectStatus('following the verification link', profile, 200);
}

async function activeMemberProblems(memberId: string, email: string, executions: string[]) {
  const member = await item(keys.member(memberId));
  const owner = await item(keys.memberEmail(email));
  const requests = await Promise.all(executions.map((name) => item(keys.registrationRequest(name))));
  return [
    ...differences('member', member, { status: 'active', email }),
    ...leftFields('member', member, ['verificationTaskToken', 'registrationExecution']),
    ...differences('member-email', owner, { memberId }),
    ...requests.flatMap((request) => absent('registration request', request)),
  ];
}

const registrationVerified: ChaosPath = {
  workflow: 'registration',
  path: 'verified',
  async drive(ctx) {
    const memberId = `chaos_${short()}`;
    const email = `reg-${short()}@chaos.example`;
    expectStatus(
      'POST /member',
      await ctx.call('POST', `/member/${memberId}`, { body: registrationBody(email) }),
      200,
    );
    await followVerification(ctx, memberId, email);
    return {
      executions: [
        {
          workflow: 'registration',
          find: oneRegistration(memberId),
          status: 'SUCCEEDED',
          lastState: 'Registered',
        },
      ],
      emails: [
        { to: email, subject: subjects.confirm },
        { to: email, subject: subjects.welcome },
      ],
      watched: [{ address: email }],
      check: async () => activeMemberProblems(memberId, email, await registrationNames(ctx, memberId)),
    };
  },
};

const registrationExpired: ChaosPath = {
  workflow: 'registration',
  path: 'expired',
  env: { VERIFICATION_TIMEOUT_SECONDS: SHORT_WAIT_SECONDS },
  async drive(ctx) {
    const memberId = `chaos_${short()}`;
    const email = `reg-${short()}@chaos.example`;
    expectStatus(
      'POST /member',
      await ctx.call('POST', `/member/${memberId}`, { body: registrationBody(email) }),
      200,
    );
    return {
      executions: [
        {
          workflow: 'registration',
          find: oneRegistration(memberId),
          status: 'SUCCEEDED',
          lastState: 'RegistrationExpired',
        },
      ],
      emails: [{ to: email, subject: subjects.confirm }],
      watched: [{ address: email }],
      // The id and the address are free again, and the request's personal details are gone.
      check: async () => [
        ...absent('member', await item(keys.member(memberId))),
        ...absent('member-email', await item(keys.memberEmail(email))),
        ...(
          await Promise.all(
            (await registrationNames(ctx, memberId)).map((name) => item(keys.registrationRequest(name))),
          )
        ).flatMap((request) => absent('registration request', request)),
      ],
    };
  },
};

/**
 * Two registrations of one new id at once, with different addresses: both pass the API's check, the workflow
 * reserves the id for one (which is then verified); the other ends `MemberAlreadyExists` and touches nothing.
 */
const registrationDuplicate: ChaosPath = {
  workflow: 'registration',
  path: 'duplicate',
  async drive(ctx) {
    const memberId = `chaos_${short()}`;
    const emails = [`reg-${short()}@chaos.example`, `reg-${short()}@chaos.example`];
    const answers = await Promise.all(
      emails.map((email) => ctx.call('POST', `/member/${memberId}`, { body: registrationBody(email) })),
    );
    answers.forEach((answer) => expectStatus('POST /member (twice at once)', answer, 200, 409));
    const started = answers.filter((answer) => answer.status === 200).length;
    // The reservation names the execution that holds the id, and its address.
    const deadline = Date.now() + 30_000;
    let holder: Record<string, unknown> | undefined;
    while (!holder?.registrationExecution && Date.now() < deadline) {
      holder = await item(keys.member(memberId));
      if (!holder?.registrationExecution) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    if (!holder?.registrationExecution) throw new Error('No registration reserved the id');
    const winnerExecution = holder.registrationExecution as string;
    const winner = holder.email as string;
    const loser = emails.find((email) => email !== winner)!;
    await followVerification(ctx, memberId, winner);
    const executions: ExpectedExecution[] = [
      { workflow: 'registration', find: winnerExecution, status: 'SUCCEEDED', lastState: 'Registered' },
    ];
    if (started === 2) {
      executions.push({
        workflow: 'registration',
        find: async (context) =>
          (await registrationNames(context, memberId)).find((name) => name !== winnerExecution),
        status: 'FAILED',
        lastState: 'MemberIdTaken',
      });
    }
    return {
      executions,
      emails: [
        { to: winner, subject: subjects.confirm },
        { to: winner, subject: subjects.welcome },
      ],
      watched: [{ address: winner }, { address: loser }],
      check: async () => [
        ...(await activeMemberProblems(memberId, winner, await registrationNames(ctx, memberId))),
        ...absent('the other address', await item(keys.memberEmail(loser))),
      ],
    };
  },
};

// ------------------------------------------------------------------------------------------------ staff

interface StaffUser {
  id: string;
  email: string;
  token: string;
}

/** A network admin and a history moderator made once per system (as the invitation workflow leaves them). */
async function sharedStaff(ctx: ChaosContext, name: 'admin' | 'moderator'): Promise<StaffUser> {
  let made = ctx.shared.get(name) as Promise<StaffUser> | undefined;
  if (!made) {
    made = (async () => {
      const user = await putActiveStaff(
        name === 'admin' ? ['network:admin'] : ['site:history:moderate'],
        `chaos-${name}`,
      );
      return { id: user.id, email: user.email, token: await staffSessionFor(user.id) };
    })();
    ctx.shared.set(name, made);
  }
  return made;
}

async function invite(ctx: ChaosContext) {
  const admin = await sharedStaff(ctx, 'admin');
  const email = `staff-${short()}@chaos.example`;
  const invited = await ctx.call('POST', '/staff', {
    token: admin.token,
    body: { email, name: 'Chaos Staff', permissions: { sites: { alumni: ['moderate'] } } },
  });
  expectStatus('POST /staff', invited, 201);
  const staffId = (invited.body as { id: string }).id;
  const staff = await item(keys.staff(staffId));
  const execution = String(staff?.invitationExecution);
  return { email, staffId, execution };
}

const staffAccept: ChaosPath = {
  workflow: 'staff-invitation',
  path: 'accept',
  async drive(ctx) {
    const { email, staffId, execution } = await invite(ctx);
    const invitation = await ctx.inbox.await(email, (message) => message.subject === subjects.invited);
    const accepted = await ctx.call('POST', '/staff/accept', {
      body: { token: tokenIn(invitation, '/staff/accept') },
    });
    expectStatus('POST /staff/accept', accepted, 200);
    return {
      executions: [
        { workflow: 'staff-invitation', find: execution, status: 'SUCCEEDED', lastState: 'Accepted' },
      ],
      emails: [{ to: email, subject: subjects.invited }],
      watched: [{ address: email }],
      check: async () => {
        const staff = await item(keys.staff(staffId));
        return [
          ...differences('staff', staff, { status: 'active' }),
          ...leftFields('staff', staff, ['invitationTaskToken', 'invitationExecution']),
          ...differences('staff-email', await item(keys.staffEmail(email)), { staffId }),
        ];
      },
    };
  },
};

const staffExpire: ChaosPath = {
  workflow: 'staff-invitation',
  path: 'expire',
  env: { STAFF_INVITATION_TIMEOUT_SECONDS: SHORT_WAIT_SECONDS },
  async drive(ctx) {
    const { email, staffId, execution } = await invite(ctx);
    return {
      executions: [
        {
          workflow: 'staff-invitation',
          find: execution,
          status: 'SUCCEEDED',
          lastState: 'InvitationExpired',
        },
      ],
      emails: [{ to: email, subject: subjects.invited }],
      watched: [{ address: email }],
      check: async () => [
        ...absent('staff', await item(keys.staff(staffId))),
        ...absent('staff-email', await item(keys.staffEmail(email))),
        ...absent('staff permission', await item(keys.staffPermission(staffId, 'site:alumni:moderate'))),
      ],
    };
  },
};

// ------------------------------------------------------------------------------------------------ submissions

async function anonymousSubmission(ctx: ChaosContext) {
  const email = `visitor-${short()}@chaos.example`;
  const submitted = await ctx.call('POST', '/submissions/message', {
    body: {
      targetType: 'person',
      targetName: 'Fred Bloggs',
      targetUrl: 'https://history.example/people/fred_bloggs',
      subject: 'Chaos',
      message: 'Fred was the stage manager of Hamlet in 1999, not the lighting designer.',
      submitter: { id: randomUUID(), name: 'A Visitor', email },
    },
  });
  expectStatus('POST /submissions/message', submitted, 200);
  return { id: (submitted.body as { id: string }).id, email };
}

async function noticeAbout(ctx: ChaosContext, submissionId: string) {
  const moderator = await sharedStaff(ctx, 'moderator');
  await ctx.inbox.await(moderator.email, (message) => Boolean(message.body.text?.includes(submissionId)));
  return moderator;
}

async function reviewProblems(submissionId: string, status: string, outcome: string) {
  const submission = await item(keys.submission(submissionId));
  const review = await item(keys.submissionReview(submissionId));
  return [
    ...differences('submission', submission, { status }),
    ...differences('review', review, { outcome }),
    ...leftFields('review', review, ['taskToken']),
  ];
}

function decisionPath(decision: 'approve' | 'reject'): ChaosPath {
  return {
    workflow: 'submission-review',
    path: decision,
    async drive(ctx) {
      const moderator = await sharedStaff(ctx, 'moderator');
      const { id, email } = await anonymousSubmission(ctx);
      await noticeAbout(ctx, id);
      const decided = await ctx.call('POST', `/moderation/submissions/${id}/decision`, {
        token: moderator.token,
        body: decision === 'approve' ? { decision } : { decision, reason: 'We could not confirm this.' },
      });
      expectStatus('POST decision', decided, 200);
      const status = decision === 'approve' ? 'approved' : 'rejected';
      return {
        executions: [
          {
            workflow: 'submission-review',
            find: id,
            status: 'SUCCEEDED',
            lastState: decision === 'approve' ? 'Approved' : 'Rejected',
          },
        ],
        emails: [
          { to: moderator.email, subject: subjects.moderation, about: id },
          { to: email, subject: decision === 'approve' ? subjects.approved : subjects.rejected },
        ],
        watched: [{ address: moderator.email, about: id }, { address: email }],
        check: async () => {
          const problems = await reviewProblems(id, status, decision);
          const events = (await (await fetch(ctx.system.urls.events)).json()) as {
            detail: { submissionId?: string };
          }[];
          const published = events.filter((event) => event.detail.submissionId === id).length;
          const expected = decision === 'approve' ? 1 : 0;
          if (published !== expected) problems.push(`approval events: ${published}, expected ${expected}`);
          return problems;
        },
      };
    },
  };
}

const submissionExpire: ChaosPath = {
  workflow: 'submission-review',
  path: 'expire',
  env: { SUBMISSION_DECISION_TIMEOUT_SECONDS: SHORT_WAIT_SECONDS, SUBMISSION_REMINDER_ROUNDS: '0' },
  async drive(ctx) {
    const moderator = await sharedStaff(ctx, 'moderator');
    const { id, email } = await anonymousSubmission(ctx);
    return {
      executions: [{ workflow: 'submission-review', find: id, status: 'SUCCEEDED', lastState: 'Expired' }],
      emails: [{ to: moderator.email, subject: subjects.moderation, about: id }],
      watched: [{ address: moderator.email, about: id }, { address: email }],
      check: () => reviewProblems(id, 'expired', 'expire'),
    };
  },
};

const submissionWithdraw: ChaosPath = {
  workflow: 'submission-review',
  path: 'withdraw',
  async drive(ctx) {
    const memberId = `chaos_${short()}`;
    const member = await putActiveMember({ id: memberId, email: `sub-${short()}@chaos.example` });
    const token = (await createSession(memberId, 'redeem')).sessionToken;
    const submitted = await ctx.call('POST', '/submissions/message', {
      token,
      body: {
        targetType: 'person',
        targetName: 'Fred Bloggs',
        targetUrl: 'https://history.example/people/fred_bloggs',
        subject: 'Chaos',
        message: 'On second thoughts, never mind.',
      },
    });
    expectStatus('POST /submissions/message (member)', submitted, 200);
    const { id } = submitted.body as { id: string };
    const moderator = await noticeAbout(ctx, id);
    expectStatus('POST withdraw', await ctx.call('POST', `/submissions/${id}/withdraw`, { token }), 200);
    return {
      executions: [{ workflow: 'submission-review', find: id, status: 'ABORTED' }],
      emails: [{ to: moderator.email, subject: subjects.moderation, about: id }],
      watched: [{ address: moderator.email, about: id }, { address: member.email }],
      check: () => reviewProblems(id, 'withdrawn', 'withdraw'),
    };
  },
};

// ------------------------------------------------------------------------------------------------ relay

/**
 * Relay executions are named after a relay id the API does not return: found through the relay item's sender key
 * (a member's id, or the student's key), which the item keeps after it is closed.
 */
function relayFrom(senderKey: string, nth = 0) {
  return async (ctx: ChaosContext): Promise<string | undefined> => {
    const known = (ctx.shared.get('relays') ?? new Map<string, string>()) as Map<string, string>;
    ctx.shared.set('relays', known);
    const names: string[] = [];
    const executions = (await ctx.executions('first-email-relay')).slice().reverse();
    for (const execution of executions) {
      const name = execution.name!;
      if (!known.has(name)) {
        const described = await ctx.sfn.send(
          new DescribeExecutionCommand({ executionArn: execution.executionArn }),
        );
        const { relayId } = JSON.parse(described.input ?? '{}') as { relayId?: string };
        const relay = relayId ? await item(keys.relay(relayId)) : undefined;
        if (relay) known.set(name, String(relay.senderKey));
        else continue;
      }
      if (known.get(name) === senderKey) names.push(name);
    }
    return names[nth];
  };
}

async function relayPair(consent: { consentMembers?: boolean; consentStudents?: boolean }) {
  const sender = await putActiveMember({ id: `chaos_${short()}`, email: `sender-${short()}@chaos.example` });
  const recipient = await putActiveMember({
    id: `chaos_${short()}`,
    email: `recipient-${short()}@chaos.example`,
    consent,
  });
  const token = (await createSession(sender.id, 'redeem')).sessionToken;
  return { sender, recipient, token };
}

async function sendFirstEmail(ctx: ChaosContext, recipientId: string, token: string, subject: string) {
  return ctx.call('POST', `/member/${recipientId}/contact`, {
    token,
    body: { subject, message: 'Do you still have the programme?' },
  });
}

async function closedRelayProblems(ctx: ChaosContext, senderKey: string, outcomes: string[]) {
  const problems: string[] = [];
  for (const [nth, outcome] of outcomes.entries()) {
    const name = await relayFrom(senderKey, nth)(ctx);
    const relay = name ? await item(keys.relay(name.replace(/^relay-/, ''))) : undefined;
    problems.push(...differences(`relay ${nth}`, relay, { outcome }));
    problems.push(
      ...leftFields(`relay ${nth}`, relay, [
        'message',
        'subject',
        'studentEmail',
        'verificationTaskToken',
        'recipientId',
      ]),
    );
  }
  return problems;
}

const relayMember: ChaosPath = {
  workflow: 'first-email-relay',
  path: 'member',
  async drive(ctx) {
    const { sender, recipient, token } = await relayPair({ consentMembers: true });
    const subject = `Hello ${short()}`;
    // 200 sent, or 202 when the workflow takes longer than the API waits (retries under faults).
    expectStatus('POST contact', await sendFirstEmail(ctx, recipient.id, token, subject), 200, 202);
    return {
      executions: [
        { workflow: 'first-email-relay', find: relayFrom(sender.id), status: 'SUCCEEDED', lastState: 'Done' },
      ],
      emails: [
        { to: recipient.email, subject: `[New Theatre alumni] ${subject}` },
        { to: sender.email, subject: `Your message to ${recipient.id} was sent` },
      ],
      watched: [{ address: recipient.email }, { address: sender.email }],
      check: () => closedRelayProblems(ctx, sender.id, ['sent']),
    };
  },
};

const relayDeclined: ChaosPath = {
  workflow: 'first-email-relay',
  path: 'declined',
  async drive(ctx) {
    const { sender, recipient, token } = await relayPair({ consentMembers: false });
    expectStatus('POST contact', await sendFirstEmail(ctx, recipient.id, token, 'Hello'), 403, 202);
    return {
      executions: [
        { workflow: 'first-email-relay', find: relayFrom(sender.id), status: 'SUCCEEDED', lastState: 'Done' },
      ],
      emails: [],
      watched: [{ address: recipient.email }, { address: sender.email }],
      check: () => closedRelayProblems(ctx, sender.id, ['not-contactable']),
    };
  },
};

/** A second first email to the same member: refused by the pair limit; the first went out once. */
const relayRateLimited: ChaosPath = {
  workflow: 'first-email-relay',
  path: 'rate-limited',
  async drive(ctx) {
    const { sender, recipient, token } = await relayPair({ consentMembers: true });
    const subject = `Hello ${short()}`;
    expectStatus('first POST contact', await sendFirstEmail(ctx, recipient.id, token, subject), 200, 202);
    // The second waits for the first to end (the limit is taken when it is sent).
    const first = await relayFrom(sender.id)(ctx);
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const relay = first ? await item(keys.relay(first.replace(/^relay-/, ''))) : undefined;
      if (relay?.outcome) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expectStatus('second POST contact', await sendFirstEmail(ctx, recipient.id, token, 'Again'), 429, 202);
    return {
      executions: [
        {
          workflow: 'first-email-relay',
          find: relayFrom(sender.id, 0),
          status: 'SUCCEEDED',
          lastState: 'Done',
        },
        {
          workflow: 'first-email-relay',
          find: relayFrom(sender.id, 1),
          status: 'SUCCEEDED',
          lastState: 'Done',
        },
      ],
      emails: [
        { to: recipient.email, subject: `[New Theatre alumni] ${subject}` },
        { to: sender.email, subject: `Your message to ${recipient.id} was sent` },
      ],
      watched: [{ address: recipient.email }, { address: sender.email }],
      check: () => closedRelayProblems(ctx, sender.id, ['sent', 'rate-limited']),
    };
  },
};

const relayStudent: ChaosPath = {
  workflow: 'first-email-relay',
  path: 'student',
  async drive(ctx) {
    const recipient = await putActiveMember({
      id: `chaos_${short()}`,
      email: `recipient-${short()}@chaos.example`,
      consent: { consentStudents: true },
    });
    const student = `sam-${short()}@students.localhost`;
    const subject = `Interview ${short()}`;
    const asked = await ctx.call('POST', `/member/${recipient.id}/contact/student`, {
      body: {
        name: 'Sam Student',
        email: student,
        subject,
        message: 'Could I interview you for the archive?',
      },
    });
    expectStatus('POST contact/student', asked, 202);
    const confirmation = await ctx.inbox.await(
      student,
      (message) => message.subject === subjects.studentConfirm,
    );
    const confirmed = await ctx.call('POST', '/contact/confirm', {
      body: { token: tokenIn(confirmation, '/contact/confirm') },
    });
    expectStatus('POST /contact/confirm', confirmed, 200);
    return {
      executions: [
        {
          workflow: 'first-email-relay',
          find: relayFrom(studentSenderKey(student)),
          status: 'SUCCEEDED',
          lastState: 'Done',
        },
      ],
      emails: [
        { to: student, subject: subjects.studentConfirm },
        { to: recipient.email, subject: `[New Theatre alumni] ${subject}` },
        { to: student, subject: `Your message to ${recipient.id} was sent` },
      ],
      watched: [{ address: recipient.email }, { address: student }],
      check: () => closedRelayProblems(ctx, studentSenderKey(student), ['sent']),
    };
  },
};

/** Every path, in the order. */
export const chaosPaths: readonly ChaosPath[] = [
  registrationVerified,
  registrationExpired,
  registrationDuplicate,
  decisionPath('approve'),
  decisionPath('reject'),
  submissionExpire,
  submissionWithdraw,
  relayMember,
  relayStudent,
  relayDeclined,
  relayRateLimited,
  staffAccept,
  staffExpire,
];

/**
 * The settings of the system the paths run on: workflow time at 1/1000 (the expiry paths' waits, and every Retry
 * interval), and daily allowances far above what many runs use (one moderator is emailed about every submission).
 */
export const chaosSystemSettings: Record<string, string> = { LOCAL_TIME_SCALE: '0.001' };

/** The allowances, as environment variables the API and the tasks read while running (set them in process.env). */
export const chaosWorkflowEnv: Record<string, string> = {
  MODERATION_NOTICES_PER_DAY: '10000',
  ANONYMOUS_SUBMISSIONS_PER_SITE_PER_DAY: '100000',
};
