/**
 * `npm run bench`: prints the figures the notes quote, measured on this machine (shared and noisy: read medians,
 * compare runs, never assert on them in a test).
 *
 * 1. `npm start` cold start to "is up", and the memory (RSS) of the supervisor and the DynamoDB Local JVM.
 * 2. Registration through the API on the running system: POST → verification email → link followed as a
 *    lumina-era site does → profile verified; state transitions per execution.
 * 3. Submission review through the API: POST → pending answer → moderator's email → decision answered with the
 *    final status; state transitions per approved execution.
 * 4. `GET /health` as the table grows: median latency with an empty table and with BENCH_TABLE_ITEMS (10,000)
 *    items in it, in the same run; the target is that it does not grow (a ratio near 1).
 * 5. The local Step Functions runtime alone: executions per second of a 5-state machine.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { localDefaults } from '../core/config.js';
import { findFreePort } from '../infra/local/ports.js';
import { LocalStepFunctions } from '../infra/local/stepfunctions/engine.js';
import { repoRoot } from '../infra/workflows.js';

const REGISTRATIONS = Number(process.env.BENCH_REGISTRATIONS ?? 10);
const RUNTIME_EXECUTIONS = Number(process.env.BENCH_EXECUTIONS ?? 500);
const SUBMISSIONS = Number(process.env.BENCH_SUBMISSIONS ?? 10);
/** The table `npm start` uses: its own default unless TABLE_NAME names another. */
const tableName = process.env.TABLE_NAME ?? localDefaults.tableName;
const TABLE_ITEMS = Number(process.env.BENCH_TABLE_ITEMS ?? 10_000);
const HEALTH_REQUESTS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function rssMb(pid: number): number {
  const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
  return Math.round(kb / 1024);
}

function childPids(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((value) => value > 0);
}

async function startSystem(dataDir: string) {
  const ports = {
    API_PORT: String(await findFreePort()),
    DYNAMODB_PORT: String(await findFreePort()),
    SES_PORT: String(await findFreePort()),
    SFN_PORT: String(await findFreePort()),
  };
  const started = performance.now();
  const child = spawn('node', ['--import', 'tsx', 'infra/local/start.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...ports,
      LOCAL_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!output.includes('is up in')) {
    if (child.exitCode !== null) throw new Error(`npm start failed:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const upMs = performance.now() - started;
  return {
    child,
    upMs,
    api: `http://127.0.0.1:${ports.API_PORT}`,
    inbox: `http://127.0.0.1:${ports.SES_PORT}`,
    sfn: `http://127.0.0.1:${ports.SFN_PORT}`,
    dynamoDb: `http://127.0.0.1:${ports.DYNAMODB_PORT}`,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function inboxCount(inbox: string, address: string): Promise<{ count: number; text: string }> {
  const store = (await (await fetch(`${inbox}/store`)).json()) as {
    emails: { destination: { to: string[] }; body: { text?: string } }[];
  };
  const mine = store.emails.filter((email) => email.destination.to.includes(address));
  return { count: mine.length, text: mine[0]?.body.text ?? '' };
}

async function registerOne(api: string, inbox: string) {
  const id = `bench_${randomUUID().slice(0, 8)}`;
  const email = `${id}@bench.example`;
  const began = performance.now();
  const response = await fetch(`${api}/member/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      anonymousId: randomUUID(),
      fullName: 'Bench Mark',
      email,
      yearOfGraduation: 1990,
      consent: { consentNews: true, consentNetwork: true, consentMembers: true, consentStudents: true },
    }),
  });
  if (response.status !== 200) throw new Error(`register: ${response.status}`);
  const accepted = performance.now();
  let verification = await inboxCount(inbox, email);
  while (verification.count === 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    verification = await inboxCount(inbox, email);
  }
  const emailed = performance.now();
  const token = /token=([A-Za-z0-9_-]{43})/.exec(verification.text)?.[1];
  const profile = await fetch(`${api}/member/${id}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await profile.json()) as { emailVerified?: boolean };
  if (!body.emailVerified) throw new Error('not verified');
  const verified = performance.now();
  return { postMs: accepted - began, emailMs: emailed - began, verifyMs: verified - emailed };
}

async function awaitEmail(inbox: string, address: string, count: number, pattern: RegExp): Promise<string> {
  for (;;) {
    const store = (await (await fetch(`${inbox}/store`)).json()) as {
      emails: { destination: { to: string[] }; body: { text?: string } }[];
    };
    const mine = store.emails.filter((email) => email.destination.to.includes(address));
    const match =
      mine.length >= count
        ? mine.map((email) => email.body.text ?? '').find((text) => pattern.test(text))
        : undefined;
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function post(api: string, path: string, body: unknown, token?: string) {
  const response = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The first network admin (written to the system's table, as `npm run staff:bootstrap` does) invites a moderator. */
async function historyModerator(system: { api: string; inbox: string; dynamoDb: string }): Promise<{
  token: string;
  email: string;
}> {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: system.dynamoDb,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: tableName,
  });
  const { bootstrapNetworkAdmin } = await import('../core/staff/repository.js');
  const adminEmail = `admin-${randomUUID().slice(0, 8)}@bench.example`;
  await bootstrapNetworkAdmin({ email: adminEmail, name: 'Bench Admin' });
  await post(system.api, '/staff/login', { email: adminEmail });
  const signin = await awaitEmail(system.inbox, adminEmail, 1, /signin\?token=/);
  const admin = await post(system.api, '/staff/redeem', {
    token: /token=([A-Za-z0-9_-]{43})/.exec(signin)?.[1],
  });
  const email = `moderator-${randomUUID().slice(0, 8)}@bench.example`;
  await post(
    system.api,
    '/staff',
    { email, name: 'Bench Moderator', permissions: { sites: { history: ['moderate'] } } },
    admin.body.sessionToken as string,
  );
  const invitation = await awaitEmail(system.inbox, email, 1, /accept\?token=/);
  const accepted = await post(system.api, '/staff/accept', {
    token: /token=([A-Za-z0-9_-]{43})/.exec(invitation)?.[1],
  });
  return { token: accepted.body.sessionToken as string, email };
}

async function reviewOne(
  api: string,
  inbox: string,
  moderator: { token: string; email: string },
  seen: number,
) {
  const began = performance.now();
  const submitted = await post(api, '/submissions/message', {
    targetType: 'person',
    targetName: 'Bench Mark',
    targetUrl: 'https://history.example/people/bench',
    message: 'A correction for the benchmark.',
    submitter: { id: randomUUID(), name: 'Bench Visitor' },
  });
  if (submitted.status !== 200 || submitted.body.status !== 'pending')
    throw new Error(`submit: ${submitted.status}`);
  const answered = performance.now();
  const id = submitted.body.id as string;
  await awaitEmail(inbox, moderator.email, seen + 1, new RegExp(`submission=${id}`));
  const emailed = performance.now();
  const decided = await post(
    api,
    `/moderation/submissions/${id}/decision`,
    { decision: 'approve' },
    moderator.token,
  );
  if (decided.body.status !== 'approved') throw new Error(`decision: ${decided.status}`);
  return { id, postMs: answered - began, emailMs: emailed - began, decideMs: performance.now() - emailed };
}

/** Median latency of `GET /health` (the whole answer, and its database check), one request at a time. */
async function healthLatency(api: string): Promise<{ totalMs: number; databaseMs: number }> {
  const totals = [];
  const database = [];
  for (let index = 0; index < HEALTH_REQUESTS; index++) {
    const began = performance.now();
    const response = await fetch(`${api}/health`);
    const body = (await response.json()) as { checks: { database: { latencyMs: number } } };
    totals.push(performance.now() - began);
    if (response.status !== 200) throw new Error(`health: ${response.status}`);
    database.push(body.checks.database.latencyMs);
  }
  return { totalMs: median(totals), databaseMs: median(database) };
}

/** Fills the table with `count` items about the size of a member's profile, 25 per BatchWriteItem. */
async function fillTable(endpoint: string, count: number) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < count; start += 25) {
    const items: WriteRequest[] = [];
    for (let index = start; index < Math.min(start + 25, count); index++) {
      items.push({
        PutRequest: {
          Item: {
            pk: { S: `BENCH#${index}` },
            sk: { S: 'FILLER' },
            type: { S: 'bench-filler' },
            text: { S: 'x'.repeat(300) },
            createdAt: { S: new Date().toISOString() },
          },
        },
      });
    }
    batches.push(items);
  }
  const workers = Array.from({ length: 4 }, async () => {
    for (let items = batches.shift(); items; items = batches.shift()) {
      let unprocessed: WriteRequest[] | undefined = items;
      while (unprocessed && unprocessed.length > 0) {
        const written: BatchWriteItemCommandOutput = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [tableName]: unprocessed } }),
        );
        unprocessed = written.UnprocessedItems?.[tableName];
      }
    }
  });
  await Promise.all(workers);
  client.destroy();
}

async function stateTransitions(sfn: SFNClient, workflow: string): Promise<number[]> {
  const { executions } = await sfn.send(
    new ListExecutionsCommand({
      stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:${workflow}`,
    }),
  );
  const transitions = [];
  for (const execution of executions ?? []) {
    const { events } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: execution.executionArn }),
    );
    transitions.push((events ?? []).filter((event) => event.type?.endsWith('StateEntered')).length);
  }
  return transitions;
}

async function runtimeThroughput(): Promise<{ perSecond: number; msPerExecution: number }> {
  const engine = await LocalStepFunctions.create({
    region: 'us-east-1',
    accountId: '000000000000',
    rootDir: repoRoot,
    tasks: [],
  });
  const { stateMachineArn } = engine.createStateMachine({
    name: 'bench',
    definition: JSON.stringify({
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Result: 1, ResultPath: '$.a', Next: 'B' },
        B: { Type: 'Choice', Choices: [{ Variable: '$.a', NumericEquals: 1, Next: 'C' }], Default: 'E' },
        C: { Type: 'Pass', Parameters: { 'sum.$': 'States.MathAdd($.a, 1)' }, ResultPath: '$.c', Next: 'D' },
        D: { Type: 'Wait', Seconds: 0, Next: 'E' },
        E: { Type: 'Succeed' },
      },
    }),
  });
  const started = performance.now();
  const arns = [];
  for (let index = 0; index < RUNTIME_EXECUTIONS; index++) {
    arns.push(engine.startExecution({ stateMachineArn, name: `e${index}`, input: '{}' }).executionArn);
  }
  for (const arn of arns) await engine.waitForExecution(arn);
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: Math.round(RUNTIME_EXECUTIONS / seconds),
    msPerExecution: (seconds * 1000) / RUNTIME_EXECUTIONS,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
try {
  const system = await startSystem(dataDir);
  const supervisorRss = rssMb(system.child.pid!);
  const jvm = childPids(system.child.pid!).find((pid) =>
    execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).includes('DynamoDBLocal'),
  );
  const jvmRss = jvm ? rssMb(jvm) : NaN;

  // Before anything is written: the table is empty. The first round warms the JVM and the API up and is not kept.
  await healthLatency(system.api);
  const healthEmpty = await healthLatency(system.api);

  const runs = [];
  for (let index = 0; index < REGISTRATIONS; index++) runs.push(await registerOne(system.api, system.inbox));

  const sfn = new SFNClient({
    endpoint: system.sfn,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const transitions = await stateTransitions(sfn, 'registration');

  const moderator = await historyModerator(system);
  const reviews = [];
  // The moderator's inbox holds the invitation, then one email per submission.
  for (let index = 0; index < SUBMISSIONS; index++) {
    reviews.push(await reviewOne(system.api, system.inbox, moderator, index + 1));
  }
  // Decisions are answered at the final status; the submitter's email and the event follow.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const reviewTransitions = await stateTransitions(sfn, 'submission-review');
  sfn.destroy();
  const afterRss = { supervisor: rssMb(system.child.pid!), jvm: jvm ? rssMb(jvm) : NaN };
  await fillTable(system.dynamoDb, TABLE_ITEMS);
  const healthFull = await healthLatency(system.api);
  await system.stop();
  const throughput = await runtimeThroughput();

  const rows: [string, string][] = [
    ['npm start: cold start to "is up"', `${(system.upMs / 1000).toFixed(1)} s`],
    ['RSS after start: supervisor (node) / DynamoDB Local (JVM)', `${supervisorRss} MB / ${jvmRss} MB`],
    [
      `RSS after ${REGISTRATIONS} registrations and ${SUBMISSIONS} reviews: supervisor / JVM`,
      `${afterRss.supervisor} MB / ${afterRss.jvm} MB`,
    ],
    ['POST /member/{id} answer (median)', `${median(runs.map((run) => run.postMs)).toFixed(0)} ms`],
    [
      'POST → verification email in the inbox (median)',
      `${median(runs.map((run) => run.emailMs)).toFixed(0)} ms`,
    ],
    [
      'link followed → member active, profile returned (median)',
      `${median(runs.map((run) => run.verifyMs)).toFixed(0)} ms`,
    ],
    ['registration happy path: state transitions per execution', [...new Set(transitions)].join(', ')],
    [
      'POST /submissions/message answer, pending (median)',
      `${median(reviews.map((run) => run.postMs)).toFixed(0)} ms`,
    ],
    [
      "POST → moderator's email in the inbox (median)",
      `${median(reviews.map((run) => run.emailMs)).toFixed(0)} ms`,
    ],
    [
      'decision POST → answered approved (median)',
      `${median(reviews.map((run) => run.decideMs)).toFixed(0)} ms`,
    ],
    ['submission approved: state transitions per execution', [...new Set(reviewTransitions)].join(', ')],
    [
      `GET /health median: empty table / ${TABLE_ITEMS.toLocaleString('en')} items (target: does not grow)`,
      `${healthEmpty.totalMs.toFixed(1)} ms / ${healthFull.totalMs.toFixed(1)} ms ` +
        `(x${(healthFull.totalMs / healthEmpty.totalMs).toFixed(2)}; database check ` +
        `${healthEmpty.databaseMs} ms / ${healthFull.databaseMs} ms)`,
    ],
    [
      `runtime alone: ${RUNTIME_EXECUTIONS} executions of a 5-state machine`,
      `${throughput.perSecond}/s (${throughput.msPerExecution.toFixed(2)} ms each)`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
