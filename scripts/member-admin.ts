/**
 * `npm run member:admin -- --id <memberId> [--revoke]`: sets (or clears) lumina's `isAdmin` flag on a member, which
 * grants staff access (`GET /member`) until the staff issue brings real permissions. Uses the API's environment:
 * `TABLE_NAME`, the AWS region and credentials, and `AWS_ENDPOINT_URL_DYNAMODB` for a local table.
 */
import { parseArgs } from 'node:util';
import { setAdmin } from '../core/members/account.js';
import { MemberIdSchema } from '../core/members/model.js';

const usage = 'Usage: npm run member:admin -- --id <memberId> [--revoke]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let values: { id?: string; revoke?: boolean };
try {
  ({ values } = parseArgs({
    options: { id: { type: 'string' }, revoke: { type: 'boolean', default: false } },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}

const id = MemberIdSchema.safeParse(values.id);
if (!id.success)
  fail(`${values.id === undefined ? '--id is required' : id.error.issues[0]?.message}\n${usage}`);
if (!process.env.TABLE_NAME) {
  fail(
    'TABLE_NAME is not set. For the local system (npm start):\n' +
      '  TABLE_NAME=lumina-local AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 ' +
      `npm run member:admin -- --id ${id.data}`,
  );
}

// A local endpoint needs a region and some credentials, like the local runtime gives its own processes.
const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '';
if (/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint)) {
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
}

const isAdmin = !values.revoke;
if (await setAdmin(id.data, isAdmin)) {
  console.log(isAdmin ? `${id.data} is now an admin (isAdmin: true)` : `${id.data} is no longer an admin`);
} else {
  console.error(`Member not found: ${id.data}`);
  process.exitCode = 1;
}
