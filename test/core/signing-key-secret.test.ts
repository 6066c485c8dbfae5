/**
 * The signing key from Secrets Manager (`SESSION_SIGNING_KEY_SECRET_ARN`, how the API runs in AWS), against a
 * stand-in that speaks Secrets Manager's JSON protocol on 127.0.0.1, reached through the unchanged SDK.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SECRET_REFRESH_MS,
  generateSigningKeyJwk,
  importSigningKey,
  loadSigningKey,
} from '../../core/auth/signing-key.js';

const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:lumina-signing-key-AbCdEf';
let secretValue: string | undefined;
let failReads = false;
const requests: { target: string; secretId: string }[] = [];
let server: Server;

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const { SecretId } = JSON.parse(body || '{}') as { SecretId: string };
      requests.push({ target, secretId: SecretId });
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      if (failReads || target !== 'secretsmanager.GetSecretValue' || SecretId !== secretArn) {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }));
        return;
      }
      response.end(JSON.stringify({ ARN: secretArn, Name: 'lumina-signing-key', SecretString: secretValue }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  delete process.env.SESSION_SIGNING_KEY;
  delete process.env.SESSION_SIGNING_KEY_FILE;
});

afterAll(async () => {
  vi.useRealTimers();
  delete process.env.SESSION_SIGNING_KEY_SECRET_ARN;
  await new Promise((resolve) => server.close(resolve));
});

describe('loadSigningKey from Secrets Manager', () => {
  it('explains an unset key, a placeholder value, and then loads the key once set', async () => {
    await expect(loadSigningKey()).rejects.toThrow(/SESSION_SIGNING_KEY_SECRET_ARN is set/);

    process.env.SESSION_SIGNING_KEY_SECRET_ARN = secretArn;
    // What CDK puts in a new secret: a random string, not a key. The error names the fix, not the content.
    secretValue = 'Xq3!random-placeholder';
    const error = await loadSigningKey().then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/npm run signing-key.*is not valid JSON/);
    expect(error.message).not.toContain(secretValue);

    // A failure is not cached: once the operator has set the key, the next request works.
    secretValue = await generateSigningKeyJwk();
    const expected = await importSigningKey(secretValue);
    expect((await loadSigningKey()).kid).toBe(expected.kid);
    const reads = requests.length;
    expect((await loadSigningKey()).kid).toBe(expected.kid);
    expect(requests.length, 'cached between requests').toBe(reads);
    expect(requests.at(-1)).toEqual({ target: 'secretsmanager.GetSecretValue', secretId: secretArn });
  });

  it('reads the secret again after a while, keeping the key in hand until the new one is read', async () => {
    process.env.SESSION_SIGNING_KEY_SECRET_ARN = secretArn;
    const first = await loadSigningKey();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      secretValue = await generateSigningKeyJwk();
      const replacement = await importSigningKey(secretValue);

      // Within the refresh interval: the cached key, no read.
      vi.setSystemTime(Date.now() + SECRET_REFRESH_MS - 1000);
      expect((await loadSigningKey()).kid).toBe(first.kid);

      // Past it, a failed read keeps the key in hand...
      failReads = true;
      const before = requests.length;
      vi.setSystemTime(Date.now() + 2000);
      expect((await loadSigningKey()).kid).toBe(first.kid);
      await vi.waitFor(() => expect(requests.length).toBeGreaterThan(before));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const afterFailedRead = requests.length;
      expect((await loadSigningKey()).kid).toBe(first.kid);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(requests.length, 'no new read until the next refresh').toBe(afterFailedRead);

      // ...and the next refresh that succeeds switches to the replaced key.
      failReads = false;
      vi.setSystemTime(Date.now() + SECRET_REFRESH_MS + 1000);
      await loadSigningKey();
      await vi.waitFor(async () => expect((await loadSigningKey()).kid).toBe(replacement.kid));
    } finally {
      vi.useRealTimers();
    }
  });

  it('prefers SESSION_SIGNING_KEY over the secret (local runs and tests)', async () => {
    process.env.SESSION_SIGNING_KEY_SECRET_ARN = secretArn;
    const inline = await generateSigningKeyJwk();
    process.env.SESSION_SIGNING_KEY = inline;
    try {
      expect((await loadSigningKey()).kid).toBe((await importSigningKey(inline)).kid);
    } finally {
      delete process.env.SESSION_SIGNING_KEY;
    }
  });
});
