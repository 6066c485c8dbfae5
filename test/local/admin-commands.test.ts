/**
 * Admin commands beside `npm start`, with no variables: `npm run staff:bootstrap` finds the local system where
 * `npm start` puts it (the same settings and defaults; here only the port, since tests cannot take the default
 * ones), creates the admin in DynamoDB Local, and the admin signs in with a link from the local inbox. With nothing
 * running it says so in one line.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { importSigningKey } from '../../core/auth/signing-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra/local/ports.js';
import { repoRoot } from '../../infra/workflows.js';
import { findStaffByEmail, scopesOf } from '../../core/staff/repository.js';
import { awaitEmails } from '../helpers/inbox.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

let local: TestSystem;

beforeAll(async () => {
  local = await startTestSystem('admin-commands');
});
afterAll(() => local?.stop());

/** `npm run <script> -- <args>` in an environment with no AWS, table or endpoint variables, only npm start's own. */
function npmRun(script: string, args: string[], settings: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...settings },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run staff:bootstrap beside npm start', () => {
  it('creates the first admin in the local system with no TABLE_NAME or endpoint, who signs in by email', async () => {
    const dynamoDbPort = new URL(local.system.urls.dynamoDb).port;
    const email = 'ada.local@example.org';
    const run = await npmRun('staff:bootstrap', ['--email', email, '--name', 'Ada Local'], {
      DYNAMODB_PORT: dynamoDbPort,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Using the local system (npm start): table lumina-local at http://127.0.0.1:${dynamoDbPort}\n`,
    );

    // In npm start's table (this process talks to it: the test system configured its environment).
    const admin = await findStaffByEmail(email);
    expect(admin).toMatchObject({ status: 'active', name: 'Ada Local' });
    expect(await scopesOf(admin!.id)).toEqual(['network:admin', 'network:read']);

    // And the admin signs in as docs/api.md says: POST /staff/login, then the link in the local inbox.
    expect((await local.call('POST', '/staff/login', { body: { email } })).status).toBe(200);
    const [signIn] = await awaitEmails(local.system.urls.inbox, email);
    expect(signIn!.body.text).toContain('/staff/signin?token=');
  });

  it('says in one line that nothing is running when the local system is not there', async () => {
    const run = await npmRun('staff:bootstrap', ['--email', 'nobody@example.org', '--name', 'Nobody'], {
      DYNAMODB_PORT: String(await findFreePort()),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Nothing answers as the local system \(npm start\): table lumina-local at http:\/\/127\.0\.0\.1:\d+: start it with `npm start`/,
    );
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('npm run signing-key beside npm start', () => {
  it("reports and replaces the local system's key in npm start's data folder, with no --secret-id", async () => {
    // npm start made its key in <LOCAL_DATA_DIR>/keys/ and pointed the API at it.
    const keyFile = process.env.SESSION_SIGNING_KEY_FILE!;
    const dataDir = dirname(dirname(keyFile));
    const { kid } = await importSigningKey(readFileSync(keyFile, 'utf8'));

    const shown = await npmRun('signing-key', [], { LOCAL_DATA_DIR: dataDir });
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout).toBe(
      `The local system's signing key is ${keyFile} (kid ${kid}); --replace replaces it (ends every session).\n`,
    );

    const replaced = await npmRun('signing-key', ['--replace'], { LOCAL_DATA_DIR: dataDir });
    expect(replaced).toMatchObject({ code: 0, stderr: '' });
    const { kid: newKid } = await importSigningKey(readFileSync(keyFile, 'utf8'));
    expect(newKid).not.toBe(kid);
    expect(replaced.stdout).toBe(
      `Replaced the local system's signing key (kid ${newKid}); restart npm start to use it.\n`,
    );
  });
});
