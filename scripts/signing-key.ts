/**
 * `npm run signing-key -- [--secret-id <arn>] [--replace]`: puts a new session signing key (a private EC P-256 JWK)
 * where the system reads it, generated here and never printed. By default the local system's key file
 * (`<LOCAL_DATA_DIR>/keys/session-signing-key.json`, the one `npm start` makes and reads at start: restart it after
 * `--replace`); with `--secret-id`, the deployed stack's Secrets Manager secret (output `SessionSigningKeySecretArn`,
 * with the AWS region and credentials of the environment; running API instances pick up a new key within 5
 * minutes). A valid key is left alone unless `--replace` is given (replacing the key ends every session).
 */
import { parseArgs } from 'node:util';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ensureLocalSigningKey, generateSigningKeyJwk, importSigningKey } from '../core/auth/signing-key.js';
import { readLocalSettings } from '../infra/local/settings.js';

const usage = 'Usage: npm run signing-key -- [--secret-id <secret ARN or name>] [--replace]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let values: { 'secret-id'?: string; replace?: boolean };
try {
  ({ values } = parseArgs({
    options: { 'secret-id': { type: 'string' }, replace: { type: 'boolean', default: false } },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}
const secretId = values['secret-id'];
if (secretId) await secretKey(secretId, values.replace ?? false);
else await localKey(values.replace ?? false);

/** The deployed stack's secret. */
async function secretKey(secretId: string, replace: boolean) {
  const client = new SecretsManagerClient({});
  const { SecretString: current } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const existing = current ? await importSigningKey(current).catch(() => undefined) : undefined;
  if (existing && !replace) {
    console.log(
      `The secret already holds a signing key (kid ${existing.kid}); --replace replaces it (ends every session).`,
    );
    return;
  }
  const jwk = await generateSigningKeyJwk();
  const { kid } = await importSigningKey(jwk);
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: jwk }));
  console.log(`${existing ? 'Replaced the' : 'Set the'} session signing key (kid ${kid}).`);
}

/** The local system's key file, in npm start's data folder (the same settings and defaults). */
async function localKey(replace: boolean) {
  const dataDir = resolve(readLocalSettings().dataDir);
  // Made the way npm start makes it when missing (and checked when present).
  const file = await ensureLocalSigningKey(dataDir).catch((error: Error) => fail(error.message));
  const existing = await importSigningKey(await readFile(file, 'utf8'));
  if (!replace) {
    console.log(
      `The local system's signing key is ${file} (kid ${existing.kid}); --replace replaces it (ends every session).`,
    );
    return;
  }
  const jwk = await generateSigningKeyJwk();
  const { kid } = await importSigningKey(jwk);
  // A whole file or none: written aside, then renamed over the old one.
  const written = `${file}.new`;
  await writeFile(written, `${jwk}\n`, { mode: 0o600 });
  await rename(written, file);
  console.log(`Replaced the local system's signing key (kid ${kid}); restart npm start to use it.`);
}
