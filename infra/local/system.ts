import { existsSync } from 'node:fs';
/**
 * The whole system on one machine: DynamoDB Local, the SES emulator, the Step Functions endpoint running every
 * workflow in `statemachines/`, and the HTTP API, wired together through the same environment variables the code
 * reads in AWS. `start.ts` runs this under signal handling; tests can start it in-process.
 */
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureLocalSigningKey } from '../../core/auth/signing-key.js';
import { localDefaults, stateMachineArnVariable } from '../../core/config.js';
import { localAllowedOrigins } from '../../core/cors.js';
import { taskFunctions, type TaskFunction } from '../../tasks/registry.js';
import { lintWorkflowDefinition } from '../asl-lint.js';
import { applySubstitutions, listWorkflows, repoRoot, workflowSubstitutions } from '../workflows.js';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { installFaults, type FaultInjector } from './faults.js';
import { hostsOf } from './host-check.js';
import { LOCAL_HOST, assertPortFree } from './ports.js';
import { startSesEmulator, type SesEmulator } from './ses.js';
import type { LocalSettings } from './settings.js';
import { LocalStepFunctions } from './stepfunctions/engine.js';
import { EVENTS_PATH, startStepFunctionsServer, type RunningServer } from './stepfunctions/server.js';
import { FileStore } from './stepfunctions/store.js';

export interface LocalSystem {
  urls: {
    api: string;
    docs: string;
    inbox: string;
    dynamoDb: string;
    stepFunctions: string;
    /** Events the workflows published with `events:putEvents` (JSON, oldest first; `?detailType=` filters). */
    events: string;
  };
  stateMachines: Record<string, string>;
  /** Browser origins the API allows by CORS (`SITE_ORIGINS`, or `http://localhost:3000` and `SITE_URL`'s origin). */
  corsOrigins: readonly string[];
  /** Process ids of child processes (the DynamoDB Local JVM), for memory figures and leak checks. */
  childPids: number[];
  /** Fault injection, when `LOCAL_FAULTS` is set: its plan and what it injected so far. */
  faults?: FaultInjector;
  stop(): Promise<void>;
}

export async function startLocalSystem(
  settings: LocalSettings,
  tasks: readonly TaskFunction[] = taskFunctions,
) {
  const dataDir = resolve(settings.dataDir);
  // Every port is checked before anything starts, so a clash costs no JVM start and names the variable to change.
  await assertPortFree(settings.apiPort, 'HTTP API');
  await assertPortFree(settings.dynamoDbPort, 'DynamoDB Local');
  await assertPortFree(settings.sesPort, 'SES emulator');
  await assertPortFree(settings.sfnPort, 'Step Functions endpoint');

  await restrictDataDir(dataDir);

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };
  try {
    // DynamoDB Local's JVM is the slow part (about 2.5 s): start it first and do the rest meanwhile.
    const dynamoDbStarting = startDynamoDbLocal({
      port: settings.dynamoDbPort,
      dataDir: join(dataDir, 'dynamodb'),
    });
    dynamoDbStarting.then((dynamo) => stops.push(() => dynamo.stop())).catch(() => undefined);

    const ses: SesEmulator = await startSesEmulator({
      port: settings.sesPort,
      dataDir: join(dataDir, 'ses'),
    });
    stops.push(() => ses.stop());

    const engine = await LocalStepFunctions.create({
      region: localDefaults.region,
      accountId: localDefaults.accountId,
      rootDir: repoRoot,
      tasks,
      timeScale: settings.timeScale,
      store: new FileStore(join(dataDir, 'stepfunctions')),
      validateDefinition: (definition) => lintWorkflowDefinition(definition, { tasks }),
    });
    const sfnServer: RunningServer = await startStepFunctionsServer(engine, settings.sfnPort);
    stops.push(async () => {
      engine.shutdown();
      await sfnServer.stop();
    });

    const dynamo: DynamoDbLocal = await dynamoDbStarting;
    configureEnvironment(settings, { dynamoDb: dynamo.endpoint, ses: ses.url, sfn: sfnServer.url });
    // Session tokens are signed with a key made once and kept with the local data (in AWS it comes from a secret).
    if (!process.env.SESSION_SIGNING_KEY && !process.env.SESSION_SIGNING_KEY_FILE) {
      process.env.SESSION_SIGNING_KEY_FILE = await ensureLocalSigningKey(dataDir);
    }

    const substitutions = workflowSubstitutions((task) => engine.functionArn(task.name), tasks);
    const stateMachines: Record<string, string> = {};
    for (const workflow of listWorkflows()) {
      const arn = engine.upsertStateMachine(
        workflow.name,
        applySubstitutions(workflow.definitionText, substitutions),
      );
      stateMachines[workflow.name] = arn;
      process.env[stateMachineArnVariable(workflow.name)] = arn;
    }

    // Imported only now: the API and the tasks create their AWS clients from the environment set above.
    const { ensureTable } = await import('./table.js');
    const { dynamoDbClient } = await import('../../core/aws-clients.js');
    await ensureTable(dynamoDbClient, settings.tableName);
    // Faults start once the table exists (its creation is the runtime's, not a workflow's) and stop with the system.
    const faults = settings.faults ? installFaults(settings.faults) : undefined;
    if (faults) stops.push(() => Promise.resolve(faults.uninstall()));
    const { createApp } = await import('../../api/app.js');
    const { startApiServer } = await import('../../api/server.js');
    const corsOrigins = localAllowedOrigins(settings.siteOrigins, process.env.SITE_URL!);
    const api = await startApiServer({
      port: settings.apiPort,
      app: createApp({ corsOrigins }),
      requestTimeoutMs: settings.apiRequestTimeoutMs,
      // Links point at these; when they name this server another way (a tunnel), its Host is accepted too.
      extraHosts: hostsOf([process.env.SITE_URL, process.env.PUBLIC_API_URL]),
    });
    stops.push(() => api.stop());

    const system: LocalSystem = {
      urls: {
        api: api.url,
        docs: `${api.url}/docs`,
        inbox: ses.url,
        dynamoDb: dynamo.endpoint,
        stepFunctions: sfnServer.url,
        events: `${sfnServer.url}${EVENTS_PATH}`,
      },
      stateMachines,
      corsOrigins,
      childPids: [dynamo.pid],
      ...(faults ? { faults } : {}),
      stop: stopAll,
    };
    return system;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Points the AWS SDK (in this process: the API and the in-process task Lambdas) at the local services. Dummy
 * credentials are set only when none are configured, and never reach AWS: every endpoint is on 127.0.0.1.
 */
function configureEnvironment(
  settings: LocalSettings,
  endpoints: { dynamoDb: string; ses: string; sfn: string },
) {
  process.env.AWS_REGION = localDefaults.region;
  process.env.AWS_ACCESS_KEY_ID ||= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ||= 'local';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamoDb;
  process.env.AWS_ENDPOINT_URL_SES = endpoints.ses;
  process.env.AWS_ENDPOINT_URL_SFN = endpoints.sfn;
  process.env.TABLE_NAME = settings.tableName;
  process.env.EMAIL_SENDER ||= localDefaults.emailSender;
  // Emailed links open this API's own `/auth` page unless a site is configured.
  process.env.SITE_URL ||= `http://${LOCAL_HOST}:${settings.apiPort}`;
  // The relay's confirmation and report links open pages of this API (`/contact/confirm`, `/contact/report`).
  process.env.PUBLIC_API_URL ||= `http://${LOCAL_HOST}:${settings.apiPort}`;
}

/**
 * The data folder holds addresses, messages, live links (the inbox) and task tokens (the table): readable by this
 * user only. Everything created from now on, by this process and the DynamoDB Local JVM it spawns (which inherits
 * it), gets mode 0600/0700 through the umask; what an earlier version left 0644/0755 is tightened once here.
 */
export async function restrictDataDir(dataDir: string): Promise<void> {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask; the folder's own mode below still keeps others out.
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const tighten = async (path: string, isDirectory: boolean): Promise<void> => {
    await chmod(path, isDirectory ? 0o700 : 0o600);
    if (!isDirectory) return;
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.isDirectory() || entry.isFile()) await tighten(join(path, entry.name), entry.isDirectory());
    }
  };
  // The folder itself keeps other users out; below it only the runtime's own folders are walked, so a data folder
  // pointed at an existing tree (`LOCAL_DATA_DIR=.`) never has its other files' modes changed.
  await chmod(dataDir, 0o700);
  for (const own of LOCAL_DATA_FOLDERS) {
    const path = join(dataDir, own);
    if (existsSync(path)) await tighten(path, true);
  }
}

/** What the runtime keeps in `LOCAL_DATA_DIR`, one folder per service. */
const LOCAL_DATA_FOLDERS = ['dynamodb', 'ses', 'stepfunctions', 'keys'] as const;
