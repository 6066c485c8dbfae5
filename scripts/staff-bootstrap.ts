/**
 * `npm run staff:bootstrap -- --email <address> --name "<name>" [--table <TableName>]`: creates the first network
 * admin (an active staff user with `network:admin` and `network:read`), once: it refuses while an active network
 * admin exists. Prints the staff id; no token: the admin signs in with an emailed link (POST /staff/login).
 * Operates the local system (`npm start`) by default, a deployed stack's table with `--table` or `TABLE_NAME` and
 * the environment's AWS region and credentials (see `target.ts`).
 */
import { parseArgs } from 'node:util';
import { selectAdminTarget, unreachableMessage } from './target.js';

const usage = 'Usage: npm run staff:bootstrap -- --email <address> --name "<name>" [--table <TableName>]';

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

let values: { email?: string; name?: string; table?: string };
try {
  ({ values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' }, table: { type: 'string' } },
  }));
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}

if (!values.email) fail(`--email is required\n${usage}`);
if (!values.name?.trim()) fail(`--name is required\n${usage}`);
const target = selectAdminTarget({ table: values.table });
// Imported only now: the repository creates its AWS clients from the environment the target set.
const { InvalidStaffInput, NetworkAdminExists, StaffEmailTaken, bootstrapNetworkAdmin } =
  await import('../core/staff/repository.js');
console.log(`Using ${target.description}`);

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
  const unreachable = unreachableMessage(target, error);
  if (unreachable) fail(unreachable, 1);
  throw error;
}
