/** `npm run staff:bootstrap`: the documented command that creates the first network admin, run as a real process. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { countActiveNetworkAdmins, findStaffByEmail, scopesOf } from '../../core/staff/repository.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';

let env: LocalAwsEnv;

beforeAll(async () => {
  env = await useLocalAws('staff-bootstrap');
});

async function runScript(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/staff-bootstrap.ts', ...args],
      {
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: env.tableName,
          AWS_ENDPOINT_URL_DYNAMODB: env.dynamoDbEndpoint,
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run staff:bootstrap', () => {
  it('refuses a bad address or a missing name, creates the admin once, and prints no token', async () => {
    expect(await runScript('--email', 'not-an-address', '--name', 'Ada')).toMatchObject({
      code: 2,
      stderr: 'Invalid email address: not-an-address\n',
    });
    expect((await runScript('--email', 'ada@example.org')).stderr).toMatch(/^--name is required\n/);

    const created = await runScript('--email', 'ada@example.org', '--name', 'Ada Admin');
    expect(created.code).toBe(0);
    const admin = await findStaffByEmail('ada@example.org');
    expect(admin).toMatchObject({ status: 'active', name: 'Ada Admin' });
    expect(created.stdout).toBe(
      `Using table ${env.tableName} at ${env.dynamoDbEndpoint}\n` +
        `Network admin created: ${admin!.id} (ada@example.org)\nSign in with POST /staff/login (an emailed link).\n`,
    );
    expect(await scopesOf(admin!.id)).toEqual(['network:admin', 'network:read']);

    expect(await runScript('--email', 'bob@example.org', '--name', 'Bob')).toMatchObject({
      code: 1,
      stderr: 'A network admin exists already: invite further staff through the API (POST /staff).\n',
    });
    expect(await countActiveNetworkAdmins()).toBe(1);
  });
});
