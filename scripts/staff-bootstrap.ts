/**
 * `npm run staff:bootstrap -- --email <address> --name "<name>"`: creates the first network admin (an active staff
 * user with `network:admin` and `network:read`), once: it refuses while an active network admin exists. Prints the
 * staff id; no token: the admin signs in with an emailed link (POST /staff/login). Uses the API's environment:
 * `TABLE_NAME`, the AWS region and credentials, and `AWS_ENDPOINT_URL_DYNAMODB` for a local table.
 */
import { parseArgs } from 'node:util';
import {
  InvalidStaffInput,
  NetworkAdminExists,
  StaffEmailTaken,
  bootstrapNetworkAdmin,
} from '../core/staff/repository.js';

const usage = 'Usage: npm run staff:bootstrap -- --email <address> --name "<name>"';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

let values: { email?: string; name?: string };
try {
  ({ values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}

if (!values.email) fail(`--email is required\n${usage}`);
if (!values.name?.trim()) fail(`--name is required\n${usage}`);
if (!process.env.TABLE_NAME) {
  fail(
    'TABLE_NAME is not set. For the local system (npm start):\n' +
      '  TABLE_NAME=lumina-local AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 ' +
      'npm run staff:bootstrap -- --email <address> --name "<name>"',
  );
}

// A local endpoint needs a region and some credentials, like the local runtime gives its own processes.
const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '';
if (/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint)) {
  process.env.AWS_REGION ||= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
}

try {
  const admin = await bootstrapNetworkAdmin({ email: values.email, name: values.name });
  console.log(`Network admin created: ${admin.id} (${admin.email})`);
  console.log('Sign in with POST /staff/login (an emailed link).');
} catch (error) {
  if (error instanceof InvalidStaffInput) {
    fail(
      error.message === 'Invalid name' ? `Invalid name\n${usage}` : `Invalid email address: ${values.email}`,
    );
  }
  if (error instanceof NetworkAdminExists) {
    fail('A network admin exists already: invite further staff through the API (POST /staff).', 1);
  }
  if (error instanceof StaffEmailTaken)
    fail(`This address already belongs to a staff user: ${values.email}`, 1);
  throw error;
}
