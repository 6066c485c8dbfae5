/**
 * Property test of every member route: random bodies (random JSON, wrong types, huge strings, malformed JSON),
 * random content types, random path ids and Authorization headers. Nothing may answer 5xx, every refusal is in
 * lumina's error shape, and a refused request changes nothing: the member's partition and email reservation are
 * compared item by item, and a refused registration starts no execution.
 */
import { randomUUID } from 'node:crypto';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { createSession } from '../../core/auth/sessions.js';
import { useLocalAws } from '../helpers/aws-env.js';
import { startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';
import { memberSnapshot, putActiveMember, putPendingMember } from '../helpers/members.js';

const RUNS = 100;

let stepFunctions: LocalSfn;
let registrationArn: string;
let app: ReturnType<typeof createApp>;
let token: string;

const memberId = `fuzz_${randomUUID().slice(0, 8)}`;
const email = `${memberId}@example.com`;
const pendingId = `${memberId}_pending`;

beforeAll(async () => {
  await useLocalAws('members-fuzz');
  stepFunctions = await startLocalSfn();
  registrationArn = await stepFunctions.createMachine('registration', {
    StartAt: 'Wait',
    States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } },
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SFN: stepFunctions.server.url,
    REGISTRATION_STATE_MACHINE_ARN: registrationArn,
    SITE_URL: 'https://alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  app = createApp();
  await putActiveMember({ id: memberId, email, consent: { consentNews: true } });
  await putPendingMember({ id: pendingId, email: `${pendingId}@example.com` });
  token = (await createSession(memberId, 'redeem')).sessionToken;
});

afterAll(async () => {
  await stepFunctions.stop();
});

// ------------------------------------------------------------------------------------------------ arbitraries

const validConsent = {
  consentNews: true,
  consentNetwork: false,
  consentMembers: true,
  consentStudents: false,
};

/** Values of the wrong type (or the right type with bad content) for any field. */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 1e308, '', ' ', '1980', 'not-an-email', [], {}, ['x'], { a: 1 }),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 200, maxLength: 2_000 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Near-valid bodies: every field present or not, each either plausible or wrong. */
const plausibleBody = fc.record(
  {
    anonymousId: fc.oneof(fc.uuid(), wrongValue),
    fullName: fc.oneof(fc.constant('Fred Bloggs'), wrongValue),
    full_name: wrongValue,
    email: fc.oneof(fc.emailAddress(), wrongValue),
    yearOfGraduation: fc.oneof(fc.integer({ min: 1900, max: 2100 }), wrongValue),
    phone: fc.oneof(fc.string({ maxLength: 40 }), wrongValue),
    consent: fc.oneof(
      fc.constant(validConsent),
      fc.record({
        consentNews: fc.oneof(fc.boolean(), wrongValue),
        consent_network: fc.oneof(fc.boolean(), wrongValue),
        consentMembers: wrongValue,
      }),
      wrongValue,
    ),
  },
  { requiredKeys: [] },
);

/** The text of a body: random JSON, near-valid JSON, malformed JSON, huge strings, binary-ish text. */
const bodyText = fc.oneof(
  fc.json({ maxDepth: 3 }),
  plausibleBody.map((body) => JSON.stringify(body)),
  fc.string({ maxLength: 60 }).map((text) => `{"fullName": ${text}`),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .integer({ min: 10_000, max: 60_000 })
    .map((size) => JSON.stringify({ ...validBodyFor(), fullName: 'x'.repeat(size) })),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '"OK"',
    '{}',
    '{"consent": {}}',
    '\u0000',
    '{"__proto__": {"isAdmin": true}}',
  ),
);

function validBodyFor() {
  return { anonymousId: randomUUID(), fullName: 'F', email: 'f@example.com', consent: validConsent };
}

/** Mostly JSON, so most requests reach validation; the rest must be refused before it. */
const contentType = fc.oneof(
  { weight: 3, arbitrary: fc.constant<string | undefined>('application/json') },
  fc.constantFrom(
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    '',
    undefined,
  ),
);

/** Path ids: lumina-shaped, unknown, or nothing like an id (encoded so the path stays a path). */
const randomId = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,70}$/),
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.constantFrom('..', '%', 'FRED', ' ', 'a'.repeat(65)),
);
const encodedId = randomId.map((id) => encodeURIComponent(id));

const authorization = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constantFrom('Bearer', 'Basic abc', 'Bearer not.a.jwt', `Bearer ${'A'.repeat(43)}`),
  fc.string({ maxLength: 60 }).map((text) => `Bearer ${text}`),
);

// ------------------------------------------------------------------------------------------------ checks

interface Sent {
  method: string;
  path: string;
  body?: string;
  contentType?: string | undefined;
  authorization?: string | undefined;
}

async function send(request: Sent) {
  const headers = new Headers();
  if (request.contentType) headers.set('content-type', request.contentType);
  // Random strings may not be valid header values; such a header cannot be sent at all.
  if (request.authorization !== undefined) {
    try {
      headers.set('authorization', request.authorization);
    } catch {
      return undefined;
    }
  }
  const response = await app.request(request.path, { method: request.method, headers, body: request.body });
  const text = await response.text();
  return { status: response.status, text };
}

function expectLuminaError(status: number, text: string) {
  expect(status, text).toBeLessThan(500);
  if (status < 400) return;
  const body = JSON.parse(text) as { detail: unknown };
  if (typeof body.detail === 'string') return;
  expect(Array.isArray(body.detail), text).toBe(true);
  for (const issue of body.detail as { type: unknown; loc: unknown; msg: unknown }[]) {
    expect(typeof issue.type).toBe('string');
    expect(Array.isArray(issue.loc)).toBe(true);
    expect(typeof issue.msg).toBe('string');
  }
}

async function executionCount(): Promise<number> {
  const { executions = [] } = await stepFunctions.client.send(
    new ListExecutionsCommand({ stateMachineArn: registrationArn, maxResults: 1000 }),
  );
  return executions.length;
}

/** Runs one request and checks: no 5xx, lumina's error shape, and nothing stored changed when refused. */
async function check(request: Sent) {
  const before = await memberSnapshot(memberId, email);
  const executionsBefore = await executionCount();
  const response = await send(request);
  if (!response) return;
  expectLuminaError(response.status, response.text);
  if (response.status >= 400) {
    expect(await memberSnapshot(memberId, email)).toEqual(before);
    expect(await executionCount()).toBe(executionsBefore);
  }
}

const params = { numRuns: RUNS, endOnFailure: true } as const;

// ------------------------------------------------------------------------------------------------ properties

describe('member routes under random input', () => {
  it('POST /member/{id} (registration)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(encodedId, fc.constant(memberId)),
        bodyText,
        contentType,
        async (id, body, type) => check({ method: 'POST', path: `/member/${id}`, body, contentType: type }),
      ),
      params,
    );
  });

  it('PUT /member/{id} as the member', async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, async (body, type) =>
        check({
          method: 'PUT',
          path: `/member/${memberId}`,
          body,
          contentType: type,
          authorization: `Bearer ${token}`,
        }),
      ),
      params,
    );
  });

  it('PUT /member/{id} with random ids and credentials', async () => {
    await fc.assert(
      fc.asyncProperty(encodedId, bodyText, contentType, authorization, async (id, body, type, auth) =>
        check({ method: 'PUT', path: `/member/${id}`, body, contentType: type, authorization: auth }),
      ),
      params,
    );
  });

  it('DELETE /member/{id} for anyone but the member, with random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        encodedId.filter((id) => id !== memberId),
        fc.option(bodyText, { nil: undefined }),
        contentType,
        fc.oneof(authorization, fc.constant(`Bearer ${token}`)),
        async (id, body, type, auth) =>
          check({ method: 'DELETE', path: `/member/${id}`, body, contentType: type, authorization: auth }),
      ),
      params,
    );
    // The member's own DELETE without credentials is refused too.
    await check({
      method: 'DELETE',
      path: `/member/${memberId}`,
      body: '{}',
      contentType: 'application/json',
    });
  });

  it('POST /member/{id}/login for unknown, pending and malformed ids, with random bodies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          encodedId.filter((id) => id !== memberId),
          fc.constant(pendingId),
        ),
        fc.option(bodyText, { nil: undefined }),
        contentType,
        async (id, body, type) =>
          check({ method: 'POST', path: `/member/${id}/login`, body, contentType: type }),
      ),
      params,
    );
  });

  it.each(['', '/check', '/consent', '/export'])(
    'GET /member/{id}%s with random ids, credentials and headers',
    async (suffix) => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(encodedId, fc.constant(memberId)),
          fc.oneof(authorization, fc.constant(`Bearer ${token}`)),
          contentType,
          fc.string({ maxLength: 30 }),
          async (id, auth, type, query) =>
            check({
              method: 'GET',
              path: `/member/${id}${suffix}?${encodeURIComponent(query)}`,
              contentType: type,
              authorization: auth,
            }),
        ),
        params,
      );
    },
  );

  it.each(['/member', '/member/'])('GET %s with random credentials', async (path) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(authorization, fc.constant(`Bearer ${token}`)),
        contentType,
        async (auth, type) => check({ method: 'GET', path, contentType: type, authorization: auth }),
      ),
      params,
    );
  });
});
