/** `npm run member:admin`: the documented command that sets lumina's isAdmin flag, run as a real process. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentClient, tableName } from '../../core/aws-clients.js';
import { keys } from '../../core/keys.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { putActiveMember } from '../helpers/members.js';

let env: LocalAwsEnv;

beforeAll(async () => {
  env = await useLocalAws('member-admin');
});

async function runScript(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/member-admin.ts', ...args],
      {
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: env.tableName,
          AWS_ENDPOINT_URL_DYNAMODB: env.dynamoDbEndpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function isAdmin(id: string) {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName(), Key: keys.member(id), ConsistentRead: true }),
  );
  return Item?.isAdmin as boolean | undefined;
}

describe('npm run member:admin', () => {
  it('grants and revokes isAdmin', async () => {
    const id = `staff_${randomUUID().slice(0, 8)}`;
    await putActiveMember({ id });
    const granted = await runScript('--id', id);
    expect(granted).toMatchObject({ code: 0, stdout: `${id} is now an admin (isAdmin: true)\n` });
    expect(await isAdmin(id)).toBe(true);
    expect(await runScript('--id', id, '--revoke')).toMatchObject({ code: 0 });
    expect(await isAdmin(id)).toBe(false);
  });

  it('fails clearly for an unknown member, a missing or a malformed id', async () => {
    expect(await runScript('--id', 'nobody_here')).toMatchObject({
      code: 1,
      stderr: 'Member not found: nobody_here\n',
    });
    expect(await runScript()).toMatchObject({ code: 2, stderr: expect.stringContaining('--id is required') });
    expect(await runScript('--id', 'Not An Id')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Usage'),
    });
  });
});
