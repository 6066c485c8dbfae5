/**
 * Issue 3's journey on the whole local system (DynamoDB Local, SES emulator, Step Functions endpoint, API), as a
 * lumina-era site and a person drive it: register, read the inbox, follow the link, read the profile, register
 * again; then log in by email and out everywhere.
 */
import { randomUUID } from 'node:crypto';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../infra/local/system.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';
import { awaitEmails, linkTokenIn } from '../helpers/inbox.js';
import { eventually, historyOf, sfnClient, statePath } from '../helpers/local-stepfunctions.js';

let test: TestSystem;
let system: LocalSystem;
let call: TestSystem['call'];

beforeAll(async () => {
  test = await startTestSystem('journey');
  ({ system, call } = test);
});

afterAll(() => test?.stop());

describe('member registration journey', () => {
  const email = `fred.${randomUUID().slice(0, 8)}@bloggs.example`;
  const body = {
    anonymous_id: randomUUID(),
    full_name: 'Fred Bloggs',
    email,
    year_of_graduation: '1980',
    consent: { consent_news: true, consent_network: true, consent_members: true, consent_students: false },
  };

  it('registers, verifies through the emailed link, and refuses a second registration', async () => {
    expect(await call('POST', '/member/fred_bloggs', { body })).toEqual({ status: 200, body: 'OK' });

    const [verification] = await awaitEmails(system.urls.inbox, email);
    const link = /http:\/\/\S+\/auth\?token=[A-Za-z0-9_-]+/.exec(verification!.body.text ?? '')![0];
    expect(link.startsWith(`${system.urls.api}/auth?token=`)).toBe(true);
    const linkToken = linkTokenIn(verification!);

    // Opening the link shows a page and redeems nothing (mail scanners fetch links too).
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(linkToken);
    expect((await call('GET', '/member/fred_bloggs/check')).status).toBe(404);

    // A lumina-era site uses the link token as its Bearer token from then on.
    const profile = await call('GET', '/member/fred_bloggs', { token: linkToken });
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      id: 'fred_bloggs',
      email,
      emailVerified: true,
      yearOfGraduation: 1980,
    });
    expect((await call('GET', '/auth/check/required', { token: linkToken })).body).toMatchObject({
      id: 'fred_bloggs',
    });
    expect(await call('GET', '/member/fred_bloggs/check')).toEqual({
      status: 200,
      body: { id: 'fred_bloggs', maskedEmail: `fr***@bl***.example` },
    });

    const sfn = sfnClient(system.urls.stepFunctions);
    // The member is active once ActivateMember ran; the welcome email is the workflow's last step, so wait for the
    // execution to finish (on a loaded machine it may still be sending) before reading how it ended.
    const executions = await eventually(async () => {
      const listed = await sfn.send(
        new ListExecutionsCommand({ stateMachineArn: system.stateMachines.registration }),
      );
      return listed.executions?.every((execution) => execution.status !== 'RUNNING')
        ? listed.executions
        : undefined;
    }, 10_000);
    expect(executions).toHaveLength(1);
    expect(executions[0]!.status).toBe('SUCCEEDED');
    const path = statePath(await historyOf(sfn, executions[0]!.executionArn!));
    expect(path).toEqual([
      'ValidateRegistration',
      'ReserveMember',
      'RecordConsent',
      'AwaitVerification',
      'ActivateMember',
      'SendWelcomeEmail',
      'Registered',
    ]);
    sfn.destroy();

    expect(await call('POST', '/member/fred_bloggs', { body })).toEqual({
      status: 409,
      body: { detail: 'Member already exists' },
    });
    const emails = await awaitEmails(system.urls.inbox, email, 2);
    expect(emails.map((message) => message.subject)).toEqual([
      'Confirm your email address for the New Theatre alumni network',
      'Welcome to the New Theatre alumni network',
    ]);
  });

  it('logs in by emailed link, and logging out everywhere revokes every session at once', async () => {
    expect(await call('POST', '/member/fred_bloggs/login')).toEqual({ status: 200, body: 'OK' });
    const [, , login] = await awaitEmails(system.urls.inbox, email, 3);
    const redeemed = await call('POST', '/auth/redeem', { body: { token: linkTokenIn(login!) } });
    expect(redeemed.status).toBe(200);
    const { sessionToken } = redeemed.body as { sessionToken: string };
    expect(sessionToken.split('.')).toHaveLength(3);
    const profile = await call('GET', '/member/fred_bloggs', { token: sessionToken });
    expect((profile.body as { emailVerified: boolean }).emailVerified).toBe(true);

    // The link works once.
    expect((await call('POST', '/auth/redeem', { body: { token: linkTokenIn(login!) } })).status).toBe(401);

    expect((await call('POST', '/auth/logout-all', { token: sessionToken })).status).toBe(200);
    expect(await call('GET', '/member/fred_bloggs', { token: sessionToken })).toEqual({
      status: 401,
      body: { detail: 'Invalid or expired token' },
    });
  });
});
