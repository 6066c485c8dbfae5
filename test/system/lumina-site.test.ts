/**
 * Issue 11's "a site written for lumina": a lumina-era site's calls, replayed unchanged against the whole local
 * system (DynamoDB Local, the SES emulator, the Step Functions endpoint, the API) with the bodies, headers and
 * reading habits of lumina's own routes and schemas: camelCase and snake_case bodies, `null` for lumina's
 * `Optional[...]` fields, the emailed link token kept as the Bearer token, lists iterated as JSON arrays, and a 403
 * (not a 401, which makes a site sign its user out) for a member on the admin-only member list.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSystem } from '../../infra/local/system.js';
import { awaitEmails, emailsTo, linkTokenIn } from '../helpers/inbox.js';
import { eventually } from '../helpers/local-stepfunctions.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

let test: TestSystem;
let system: LocalSystem;
let call: TestSystem['call'];
/** What these tests read of a submission in an answer. */
interface Submission {
  id: string;
}

beforeAll(async () => {
  test = await startTestSystem('lumina-site');
  ({ system, call } = test);
});

afterAll(() => test?.stop());

/** A request with a raw Authorization header (lumina's `HTTPBearer` ignores other schemes). */
async function withAuthorization(path: string, authorization: string) {
  const response = await fetch(`${system.urls.api}${path}`, { headers: { authorization } });
  return { status: response.status, body: await response.json() };
}

const suffix = randomUUID().slice(0, 8);
/** What the site keeps in its storage: the visitor's anonymous id, later the token from `/auth?token=`. */
const site = { anonymousId: randomUUID(), token: '' };
const ada = { id: `ada_${suffix}`, email: `ada.${suffix}@lumina-site.example` };
const bob = { id: `bob_${suffix}`, email: `bob.${suffix}@lumina-site.example` };
const consent = { consentNews: true, consentNetwork: false, consentMembers: true, consentStudents: false };
const page = {
  targetType: 'person',
  targetName: 'Ada Lovelace',
  targetUrl: `https://history.newtheatre.org.uk/people/${ada.id}`,
};
let anonymousSubmissionId: string;
let claimedSubmissionId: string;

describe("a lumina-era site's flows, unchanged", () => {
  it('submits anonymously before registering, with null for the optional submitter fields', async () => {
    const response = await call('POST', '/submissions/message', {
      body: {
        ...page,
        targetId: null,
        subject: null,
        message: 'Ada was in the 1994 panto.',
        submitter: { id: site.anonymousId, name: 'Fred B', email: null, yearOfGraduation: null },
      },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      submitter: { id: site.anonymousId, verified: false, name: 'Fred B' },
      targetId: null,
      subject: null,
      status: 'pending',
    });
    anonymousSubmissionId = (response.body as Submission).id;

    // The same visitor again, this time giving the address they later register with: the one registration claims.
    const withAddress = await call('POST', '/submissions/message', {
      body: {
        ...page,
        message: 'And in the 1995 one.',
        submitter: { id: site.anonymousId, name: 'Ada L', email: ada.email },
      },
    });
    expect(withAddress.status).toBe(200);
    claimedSubmissionId = (withAddress.body as Submission).id;
  });

  it('registers with a camelCase body and with a snake_case one', async () => {
    const camel = await call('POST', `/member/${ada.id}`, {
      body: {
        anonymousId: site.anonymousId,
        fullName: 'Ada Lovelace',
        email: ada.email,
        yearOfGraduation: null,
        consent,
      },
    });
    expect(camel).toEqual({ status: 200, body: 'OK' });
    const snake = await call('POST', `/member/${bob.id}`, {
      body: {
        anonymous_id: randomUUID(),
        full_name: 'Bob Bloggs',
        email: bob.email,
        year_of_graduation: 1999,
        consent: {
          consent_news: false,
          consent_network: true,
          consent_members: false,
          consent_students: false,
        },
      },
    });
    expect(snake).toEqual({ status: 200, body: 'OK' });
  });

  it('resends the verification link with POST /member/{id}/login before the link is followed', async () => {
    const [first] = await awaitEmails(system.urls.inbox, ada.email);
    expect(await call('POST', `/member/${ada.id}/login`)).toEqual({ status: 200, body: 'OK' });
    const [, resent] = await awaitEmails(system.urls.inbox, ada.email, 2);
    expect(linkTokenIn(resent!)).not.toBe(linkTokenIn(first!));
    // Only the newest link works: the first one is refused, and changes nothing.
    expect(await call('GET', `/member/${ada.id}`, { token: linkTokenIn(first!) })).toMatchObject({
      status: 401,
    });
  });

  it('follows the emailed link: the link token is the Bearer token from then on', async () => {
    const emails = await awaitEmails(system.urls.inbox, ada.email, 2);
    site.token = linkTokenIn(emails.at(-1)!);

    const profile = await call('GET', `/member/${ada.id}`, { token: site.token });
    expect(profile).toMatchObject({
      status: 200,
      body: {
        id: ada.id,
        email: ada.email,
        emailVerified: true,
        phone: null,
        yearOfGraduation: null,
        consent,
        anonymousIds: [site.anonymousId],
        isAdmin: false,
      },
    });
    expect(await call('GET', '/auth/check/required', { token: site.token })).toMatchObject({
      status: 200,
      body: { id: ada.id, expiresAt: expect.any(String) },
    });
    expect(await call('GET', '/auth/check/optional', { token: site.token })).toMatchObject({
      status: 200,
      body: { id: ada.id },
    });
    // No Bearer header, or another scheme: nobody, not an error.
    expect(await call('GET', '/auth/check/optional')).toEqual({
      status: 200,
      body: { id: null, expiresAt: null },
    });
    expect(await withAuthorization('/auth/check/optional', 'Basic Zm9vOmJhcg==')).toEqual({
      status: 200,
      body: { id: null, expiresAt: null },
    });
    expect(await call('GET', `/member/${ada.id}/check`)).toMatchObject({
      status: 200,
      body: { id: ada.id, maskedEmail: 'ad***@lu***.example' },
    });

    // The snake_case registration verifies the same way.
    const [bobs] = await awaitEmails(system.urls.inbox, bob.email);
    expect(await call('GET', `/member/${bob.id}`, { token: linkTokenIn(bobs!) })).toMatchObject({
      status: 200,
      body: { id: bob.id, yearOfGraduation: 1999, consent: { consentNetwork: true, consentNews: false } },
    });
  });

  it('updates the profile: phone set, then removed with null (snake_case consent)', async () => {
    const set = await call('PUT', `/member/${ada.id}`, {
      token: site.token,
      body: { phone: '+44 7700 900123', consent: { ...consent, consentStudents: true } },
    });
    expect(set).toMatchObject({
      status: 200,
      body: { phone: '+44 7700 900123', consent: { consentStudents: true } },
    });
    const cleared = await call('PUT', `/member/${ada.id}`, {
      token: site.token,
      body: {
        phone: null,
        consent: {
          consent_news: true,
          consent_network: false,
          consent_members: true,
          consent_students: false,
        },
      },
    });
    expect(cleared).toMatchObject({ status: 200, body: { phone: null, consent } });
  });

  it('lists submissions as a JSON array, newest first, with the anonymous one that gave the address moved to the member; stats', async () => {
    const mine = await call('POST', '/submissions/message', {
      token: site.token,
      body: { ...page, subject: 'Costumes', message: 'I made the costumes.', submitter: null },
    });
    expect(mine).toMatchObject({ status: 200, body: { submitter: { id: ada.id, verified: true } } });

    const listed = await call('GET', `/submissions/member/${ada.id}`, { token: site.token });
    expect(listed.status).toBe(200);
    expect(Array.isArray(listed.body)).toBe(true);
    expect((listed.body as Submission[]).map((submission) => submission.id)).toEqual([
      (mine.body as Submission).id,
      claimedSubmissionId,
    ]);
    // The one that gave no address proves nothing about who sent it: it stays under the anonymous id.
    expect(listed.body).not.toContainEqual(expect.objectContaining({ id: anonymousSubmissionId }));
    expect(await call('GET', `/submissions/member/${ada.id}/stats`, { token: site.token })).toEqual({
      status: 200,
      body: { count: 2 },
    });
    // Anyone else sees approved submissions only: none yet, still an array.
    expect(await call('GET', `/submissions/member/${ada.id}`)).toEqual({ status: 200, body: [] });
    expect(await call('GET', `/submissions/member/${ada.id}/stats`)).toEqual({
      status: 200,
      body: { count: 0 },
    });
  });

  it("gets lumina's 403 on the admin-only member list, and stays signed in", async () => {
    for (const path of ['/member/', '/member']) {
      expect(await call('GET', path, { token: site.token })).toEqual({
        status: 403,
        body: { detail: 'You do not have permission to perform this action' },
      });
    }
    expect((await call('GET', '/auth/check/required', { token: site.token })).status).toBe(200);
  });

  it('logs in again by emailed link, then deletes the member', async () => {
    expect(await call('POST', `/member/${ada.id}/login`)).toEqual({ status: 200, body: 'OK' });
    const login = await eventually(async () =>
      (await emailsTo(system.urls.inbox, ada.email)).find((email) => email.subject.includes('login link')),
    );
    const loginToken = linkTokenIn(login);
    expect(loginToken).not.toBe(site.token);
    expect(await call('GET', `/member/${ada.id}`, { token: loginToken })).toMatchObject({
      status: 200,
      body: { id: ada.id, email: ada.email },
    });

    expect(await call('DELETE', `/member/${ada.id}`, { token: loginToken })).toEqual({
      status: 200,
      body: 'OK',
    });
    expect(await call('GET', `/member/${ada.id}/check`)).toEqual({
      status: 404,
      body: { detail: 'Member not found' },
    });
    for (const token of [loginToken, site.token]) {
      expect(await call('GET', '/auth/check/required', { token })).toEqual({
        status: 401,
        body: { detail: 'Member no longer exists' },
      });
    }
  });
});
