/**
 * The key that signs session tokens: ES256 (ECDSA P-256), so a verifier only ever needs the public half, and a
 * leaked verifier config cannot mint sessions. In AWS the private JWK comes from a secret through
 * `SESSION_SIGNING_KEY_SECRET_ARN` (read at run time); the local runtime generates one once and keeps it in its data
 * folder (`SESSION_SIGNING_KEY_FILE`). Key material never appears in an error message or a log.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

export const SESSION_ALGORITHM = 'ES256';

export interface SigningKey {
  /** Key id (the public key's RFC 7638 thumbprint), put in each token's header so a key can be rotated. */
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

// Cached per process (an import costs a few ms, and a Lambda keeps it across invocations), per key source, so a
// changed environment (a test pointing at another key) is honoured rather than silently ignored.
let cached: { source: string; key: Promise<SigningKey>; refreshAt?: number } | undefined;

/** How long a key read from Secrets Manager is used before the secret is read again. */
export const SECRET_REFRESH_MS = 5 * 60_000;

const secretWhere =
  'the secret named by SESSION_SIGNING_KEY_SECRET_ARN (set its value with `npm run signing-key -- --secret-id <arn>`)';

/**
 * The configured signing key, from the first of: `SESSION_SIGNING_KEY` (a private JWK as JSON), the file
 * `SESSION_SIGNING_KEY_FILE`, or the Secrets Manager secret `SESSION_SIGNING_KEY_SECRET_ARN` (how the stack
 * configures the API in AWS: the key is read at run time, never put in the function's configuration).
 */
export function loadSigningKey(): Promise<SigningKey> {
  const inline = process.env.SESSION_SIGNING_KEY;
  const file = process.env.SESSION_SIGNING_KEY_FILE;
  const secretId = process.env.SESSION_SIGNING_KEY_SECRET_ARN;
  const source = inline ? `env:${inline}` : file ? `file:${file}` : secretId ? `secret:${secretId}` : '';
  if (!source) {
    return Promise.reject(
      new Error(
        'None of SESSION_SIGNING_KEY, SESSION_SIGNING_KEY_FILE and SESSION_SIGNING_KEY_SECRET_ARN is set',
      ),
    );
  }
  const current = cached?.source === source ? cached : undefined;
  if (current && (current.refreshAt === undefined || Date.now() < current.refreshAt)) return current.key;

  const load = (): Promise<SigningKey> =>
    inline
      ? importSigningKey(inline, 'SESSION_SIGNING_KEY')
      : file
        ? readFile(file, 'utf8').then((text) => importSigningKey(text, `the file ${file}`))
        : readSecret(secretId!).then((text) => importSigningKey(text, secretWhere));
  const refreshAt = secretId && !inline && !file ? Date.now() + SECRET_REFRESH_MS : undefined;

  if (current) {
    // A secret is read again now and then, so a replaced key reaches every running instance within minutes.
    // Meanwhile, and if the read fails, the key in hand keeps being used.
    const entry = { source, key: current.key, refreshAt };
    cached = entry;
    load().then(
      (key) => {
        if (cached === entry) entry.key = Promise.resolve(key);
      },
      () => undefined,
    );
    return entry.key;
  }

  const key = load();
  // A failed load is not cached: the next request tries again (the secret may have been fixed meanwhile).
  key.catch(() => {
    if (cached?.key === key) cached = undefined;
  });
  cached = { source, key, refreshAt };
  return key;
}

let secretsClient: import('@aws-sdk/client-secrets-manager').SecretsManagerClient | undefined;

/** Reads a secret's string (the client is loaded only where a secret is used: in AWS, not by `npm start`). */
async function readSecret(secretId: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  secretsClient ??= new SecretsManagerClient({});
  const { SecretString } = await secretsClient.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`${secretWhere} has no string value`);
  return SecretString;
}

/** Parses and imports a private EC P-256 JWK; `where` names its origin in errors (never its content). */
export async function importSigningKey(jwkJson: string, where = 'the signing key'): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(jwkJson) as JWK;
  } catch {
    throw new Error(`${where} is not valid JSON`);
  }
  if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`${where} must be a private EC P-256 JWK (kty "EC", crv "P-256", with "d")`);
  }
  const { kty, crv, x, y } = jwk;
  const publicJwk: JWK = { kty, crv, x, y };
  try {
    const [privateKey, publicKey, kid] = await Promise.all([
      importJWK({ ...publicJwk, d: jwk.d }, SESSION_ALGORITHM),
      importJWK(publicJwk, SESSION_ALGORITHM),
      calculateJwkThumbprint(publicJwk),
    ]);
    return { kid, privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey };
  } catch {
    throw new Error(`${where} could not be imported as an ES256 key`);
  }
}

/** A new private JWK as JSON (what goes into the AWS secret, or the local key file). */
export async function generateSigningKeyJwk(): Promise<string> {
  const { privateKey } = await generateKeyPair(SESSION_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, alg: SESSION_ALGORITHM, use: 'sig' });
}

/**
 * The local runtime's key: generated on first start and kept in `<dataDir>/keys/session-signing-key.json`, readable
 * by the owner only, so sessions survive restarts like the rest of the local data. Returns the file's path.
 */
export async function ensureLocalSigningKey(dataDir: string): Promise<string> {
  const folder = join(dataDir, 'keys');
  const file = join(folder, 'session-signing-key.json');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  try {
    // `wx`: never overwrite an existing key (that would end every session), even if two starts race.
    await writeFile(file, `${await generateSigningKeyJwk()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await chmod(file, 0o600);
  }
  // Fail at start, in one line, rather than on the first login.
  await importSigningKey(await readFile(file, 'utf8'), `the file ${file}`);
  return file;
}
