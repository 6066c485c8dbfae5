/**
 * `npm run signing-key -- --secret-id <arn> [--replace]`: puts a new session signing key (a private EC P-256 JWK) into
 * the stack's Secrets Manager secret (output `SessionSigningKeySecretArn`). The key is generated here and goes
 * straight into the secret: it is never printed or written to disk. A secret that already holds a valid key is
 * left alone unless `--replace` is given (replacing the key ends every session; running API instances pick up
 * the new key within 5 minutes). Uses the AWS region and credentials of the environment.
 */
import { parseArgs } from 'node:util';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { generateSigningKeyJwk, importSigningKey } from '../core/auth/signing-key.js';

const usage = 'Usage: npm run signing-key -- --secret-id <secret ARN or name> [--replace]';

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
if (!secretId) fail(`--secret-id is required\n${usage}`);

const client = new SecretsManagerClient({});
const { SecretString: current } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
const existing = current ? await importSigningKey(current).catch(() => undefined) : undefined;
if (existing && !values.replace) {
  console.log(
    `The secret already holds a signing key (kid ${existing.kid}); --replace replaces it (ends every session).`,
  );
} else {
  const jwk = await generateSigningKeyJwk();
  const { kid } = await importSigningKey(jwk);
  await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: jwk }));
  console.log(`${existing ? 'Replaced the' : 'Set the'} session signing key (kid ${kid}).`);
}
