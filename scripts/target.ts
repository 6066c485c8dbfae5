/**
 * Which system an admin command (`npm run staff:bootstrap`, `npm run signing-key`) operates, and pointing this
 * process's AWS SDK at it. By default the local system, found where `npm start` puts it: the same settings and
 * defaults (`readLocalSettings`: `DYNAMODB_PORT`, `TABLE_NAME`, `LOCAL_DATA_DIR`), so the command works beside a
 * running `npm start` with no variables. A deployed stack's table is named by `--table <TableName>` or `TABLE_NAME`
 * (the API's own variable), with the AWS region and credentials of the environment; `AWS_ENDPOINT_URL_DYNAMODB`
 * with `TABLE_NAME` still names any other endpoint.
 */
import { localDefaults } from '../core/config.js';
import { LOCAL_HOST } from '../infra/local/ports.js';
import { readLocalSettings, type LocalSettings } from '../infra/local/settings.js';

export type AdminTarget =
  | { kind: 'local'; settings: LocalSettings; tableName: string; endpoint: string; description: string }
  | { kind: 'table'; tableName: string; description: string };

export function selectAdminTarget(
  options: { table?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): AdminTarget {
  const tableName = options.table ?? env.TABLE_NAME;
  if (tableName) {
    env.TABLE_NAME = tableName;
    const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB;
    if (endpoint && isLoopback(endpoint)) useLocalCredentials(env);
    return {
      kind: 'table',
      tableName,
      description: `table ${tableName} ${endpoint ? `at ${endpoint}` : `in AWS (${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'the default region'})`}`,
    };
  }
  const settings = readLocalSettings(env);
  const endpoint = `http://${LOCAL_HOST}:${settings.dynamoDbPort}`;
  env.TABLE_NAME = settings.tableName;
  env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  env.AWS_REGION = localDefaults.region;
  useLocalCredentials(env);
  return {
    kind: 'local',
    settings,
    tableName: settings.tableName,
    endpoint,
    description: `the local system (npm start): table ${settings.tableName} at ${endpoint}`,
  };
}

/** What to say when the target does not answer: the usual cause is a local system that is not running. */
export function unreachableMessage(target: AdminTarget, error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = (error as { name?: unknown } | undefined)?.name;
  if (target.kind === 'local' && (code === 'ECONNREFUSED' || name === 'ResourceNotFoundException')) {
    return (
      `Nothing answers as ${target.description}: start it with \`npm start\` (with the same DYNAMODB_PORT, if you ` +
      "changed it), or name a deployed stack's table with --table <TableName>."
    );
  }
  return undefined;
}

/** The local services accept any credentials; some must be set, as `npm start` does for its own processes. */
function useLocalCredentials(env: NodeJS.ProcessEnv) {
  env.AWS_REGION ||= localDefaults.region;
  env.AWS_ACCESS_KEY_ID ||= 'local';
  env.AWS_SECRET_ACCESS_KEY ||= 'local';
}

function isLoopback(endpoint: string): boolean {
  return /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint);
}
