import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SESSION_LIFETIME_SECONDS,
  createSession,
  getSession,
  isSessionValid,
  revokeAllSessions,
  revokeSession,
  verifySessionToken,
  type SessionItem,
} from '../../core/auth/sessions.js';
import {
  ensureLocalSigningKey,
  generateSigningKeyJwk,
  importSigningKey,
  loadSigningKey,
} from '../../core/auth/signing-key.js';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { useLocalAws } from '../helpers/aws-env.js';

let tempDir: string;

beforeAll(async () => {
  await useLocalAws('sessions');
  tempDir = await mkdtemp(join(tmpdir(), 'lumina-sessions-'));
  delete process.env.SESSION_SIGNING_KEY_FILE;
  process.env.SESSION_SIGNING_KEY = await generateSigningKeyJwk();
});

afterAll(async () => {
  await rm(tempDir, { recursive: true, force: true });
});

describe('createSession', () => {
  it('stores a session item and signs an ES256 JWT naming it', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { sessionId, sessionToken, expiresAt } = await createSession('ada', 'redeem');

    expect(decodeProtectedHeader(sessionToken)).toMatchObject({ alg: 'ES256', typ: 'JWT' });
    const claims = decodeJwt(sessionToken);
    expect(claims).toMatchObject({ sub: 'ada', sid: sessionId, iss: 'lumina', aud: 'lumina-api' });
    expect(claims.exp! - claims.iat!).toBe(SESSION_LIFETIME_SECONDS);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(new Date(expiresAt).getTime() / 1000).toBe(claims.exp);

    const item = await getSession('ada', sessionId);
    expect(item).toMatchObject({
      ...keys.session('ada', sessionId),
      entity: 'session',
      memberId: 'ada',
      sessionId,
      via: 'redeem',
      validUntil: expiresAt,
      expiresAt: claims.exp,
    });
    expect(isSessionValid(item)).toBe(true);
    expect(await verifySessionToken(sessionToken)).toEqual({ memberId: 'ada', sessionId });
  });

  it('records how the session began', async () => {
    const { sessionId } = await createSession('ada', 'link-bearer');
    expect((await getSession('ada', sessionId))?.via).toBe('link-bearer');
  });
});

describe('session validity', () => {
  it('ends at validUntil even while the item still exists (the TTL deletes it later)', () => {
    const item = { validUntil: new Date(Date.now() - 1000).toISOString() } as SessionItem;
    expect(isSessionValid(item)).toBe(false);
    expect(isSessionValid(undefined)).toBe(false);
  });
});

describe('verifySessionToken', () => {
  it('refuses a tampered token', async () => {
    const { sessionToken } = await createSession('ada', 'redeem');
    const [header, payload, signature] = sessionToken.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...decodeJwt(sessionToken), sub: 'someone_else' }),
      'utf8',
    ).toString('base64url');
    expect(payload).not.toBe(forged);
    expect(await verifySessionToken(`${header}.${forged}.${signature}`)).toBeUndefined();
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('ES256');
    const token = await new SignJWT({ sid: '0b7e4a1c-5d1f-4c53-9a43-5b0d1f3c2a11' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('ada')
      .setIssuer('lumina')
      .setAudience('lumina-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(other.privateKey);
    expect(await verifySessionToken(token)).toBeUndefined();
  });

  it('refuses an expired token, and one for another audience', async () => {
    const key = await loadSigningKey();
    const sign = (audience: string, exp: number) =>
      new SignJWT({ sid: '0b7e4a1c-5d1f-4c53-9a43-5b0d1f3c2a11' })
        .setProtectedHeader({ alg: 'ES256' })
        .setSubject('ada')
        .setIssuer('lumina')
        .setAudience(audience)
        .setIssuedAt(exp - 3600)
        .setExpirationTime(exp)
        .sign(key.privateKey);
    const now = Math.floor(Date.now() / 1000);
    expect(await verifySessionToken(await sign('lumina-api', now - 60))).toBeUndefined();
    expect(await verifySessionToken(await sign('elsewhere', now + 3600))).toBeUndefined();
    expect(await verifySessionToken(await sign('lumina-api', now + 3600))).toBeDefined();
  });
});

describe('revocation', () => {
  it('revokeSession ends one session only', async () => {
    const first = await createSession('grace', 'redeem');
    const second = await createSession('grace', 'redeem');
    await revokeSession('grace', first.sessionId);
    expect(await getSession('grace', first.sessionId)).toBeUndefined();
    expect(await getSession('grace', second.sessionId)).toBeDefined();
  });

  it('revokeAllSessions ends every session of the member (more than one batch), nothing else', async () => {
    const memberId = 'linus';
    const created = await Promise.all(Array.from({ length: 30 }, () => createSession(memberId, 'redeem')));
    const otherMember = await createSession('margaret', 'redeem');
    const profile = { ...keys.member(memberId), entity: 'member', id: memberId };
    const consent = {
      ...keys.consentEntry(memberId, new Date().toISOString(), 'consentNews'),
      entity: 'consent',
    };
    for (const Item of [profile, consent]) {
      await documentClient.send(new PutCommand({ TableName: tableName(), Item }));
    }

    expect(await revokeAllSessions(memberId)).toBe(30);

    for (const { sessionId } of created) expect(await getSession(memberId, sessionId)).toBeUndefined();
    expect(await getSession('margaret', otherMember.sessionId)).toBeDefined();
    for (const Key of [keys.member(memberId), { pk: consent.pk, sk: consent.sk }]) {
      expect((await documentClient.send(new GetCommand({ TableName: tableName(), Key }))).Item).toBeDefined();
    }
    expect(await revokeAllSessions(memberId)).toBe(0);
  });
});

describe('signing key', () => {
  it('ensureLocalSigningKey creates the key once, readable by the owner only, and keeps it', async () => {
    const file = await ensureLocalSigningKey(tempDir);
    expect(file).toBe(join(tempDir, 'keys', 'session-signing-key.json'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = await readFile(file, 'utf8');
    await ensureLocalSigningKey(tempDir);
    expect(await readFile(file, 'utf8')).toBe(first);
  });

  it('loads the key from SESSION_SIGNING_KEY_FILE, and tokens it signs verify with it only', async () => {
    const inline = process.env.SESSION_SIGNING_KEY;
    try {
      delete process.env.SESSION_SIGNING_KEY;
      process.env.SESSION_SIGNING_KEY_FILE = await ensureLocalSigningKey(tempDir);
      const fromFile = await loadSigningKey();
      expect(fromFile.kid).toBe(
        (await importSigningKey(await readFile(process.env.SESSION_SIGNING_KEY_FILE, 'utf8'))).kid,
      );
      const { sessionToken } = await createSession('ada', 'redeem');
      expect(decodeProtectedHeader(sessionToken).kid).toBe(fromFile.kid);
      expect(await verifySessionToken(sessionToken)).toBeDefined();

      process.env.SESSION_SIGNING_KEY = inline;
      expect(await verifySessionToken(sessionToken)).toBeUndefined();
    } finally {
      process.env.SESSION_SIGNING_KEY = inline;
      delete process.env.SESSION_SIGNING_KEY_FILE;
    }
  });

  it('rejects a key that is not a private P-256 JWK without echoing it', async () => {
    const publicOnly = JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'secret-x', y: 'secret-y' });
    await expect(importSigningKey(publicOnly, 'SESSION_SIGNING_KEY')).rejects.toThrow(
      /^SESSION_SIGNING_KEY must be a private EC P-256 JWK/,
    );
    await expect(importSigningKey('{"d": "secret-d"', 'SESSION_SIGNING_KEY')).rejects.toThrow(
      'SESSION_SIGNING_KEY is not valid JSON',
    );
  });
});
