/**
 * The chaos runner (issue 18): drives every workflow path through the API and the inbox of one whole local system
 * (optionally with AWS faults injected, `LOCAL_FAULTS`), many times, and checks each run against what a run without
 * faults ends with: the terminal status and last state of every execution, the stored result, exactly one of each
 * email that should go out (none missing, none twice, nothing else to the run's addresses), nothing half-made and
 * no execution still running after a bound. `npm run chaos` (scripts/chaos.ts) and test/chaos/ use it; the paths
 * are in chaos-paths.ts.
 */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { LocalSystem } from '../../infra/local/system.js';
import { ChaosInbox } from './chaos-inbox.js';
import type { StoredEmail } from './inbox.js';
import { historyOf, sfnClient } from './local-stepfunctions.js';
import type { TestSystem } from './local-system.js';

export type TerminalStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** An execution a run expects, and how it must end. */
export interface ExpectedExecution {
  workflow: string;
  /** Its name, or how to find it (some names are only known to the workflow: the runner retries until found). */
  find: string | ((ctx: ChaosContext) => Promise<string | undefined>);
  status: TerminalStatus;
  /** The last state entered (the path's end), when it matters. */
  lastState?: string;
}

/** One email that must reach `to` exactly once; `about`: only emails whose text contains it count (shared inboxes). */
export interface ExpectedEmail {
  to: string;
  subject: string;
  about?: string;
}

/** An inbox a run watches: every email to it (containing `about`) must be one the run expects. */
export interface WatchedInbox {
  address: string;
  about?: string;
}

export interface RunPlan {
  executions: ExpectedExecution[];
  emails: ExpectedEmail[];
  watched: WatchedInbox[];
  /** The stored result and "nothing half-made", checked once every execution has ended: the problems found. */
  check(): Promise<string[]>;
}

export interface ChaosPath {
  workflow: string;
  path: string;
  /** Workflow settings for this path's runs (set in the environment while they run; the tasks read them). */
  env?: Record<string, string>;
  /** Drives one run through the API and the inbox; returns what it must end with. */
  drive(ctx: ChaosContext, run: number): Promise<RunPlan>;
}

export interface ChaosContext {
  system: LocalSystem;
  call: TestSystem['call'];
  sfn: SFNClient;
  inbox: ChaosInbox;
  /** State machine ARN by workflow name. */
  machine(workflow: string): string;
  /** Executions of a workflow (listed afresh at most every 200 ms). */
  executions(workflow: string): Promise<ExecutionListItem[]>;
  /** Shared by the paths (a network admin, a site moderator), made once. */
  shared: Map<string, unknown>;
}

export interface RunResult {
  run: number;
  correct: boolean;
  problems: string[];
  duplicates: number;
  losses: number;
  stuck: number;
  retries: number;
}

export interface PathRow {
  workflow: string;
  path: string;
  runs: number;
  faults: number;
  retries: number;
  correct: number;
  duplicates: number;
  losses: number;
  stuck: number;
  halfMade: number;
  seconds: number;
  failures: { run: number; problems: string[] }[];
}

export interface ChaosOptions {
  runs: number;
  /** Runs of one path at once. */
  concurrency: number;
  /** How long an execution may take, from its run's start, before it counts as stuck. */
  boundMs: number;
  /** The fault injector's running total (0 without faults), read before and after each path. */
  faultCount?: () => number;
  onRow?: (row: PathRow) => void;
}

export function chaosContext(test: TestSystem): ChaosContext {
  const sfn = sfnClient(test.system.urls.stepFunctions);
  const inbox = new ChaosInbox(test.system.urls.inbox);
  inbox.start();
  const listed = new Map<string, { at: number; items: Promise<ExecutionListItem[]> }>();
  const machine = (workflow: string) => {
    const arn = test.system.stateMachines[workflow];
    if (!arn) throw new Error(`No state machine ${workflow}`);
    return arn;
  };
  return {
    system: test.system,
    call: test.call,
    sfn,
    inbox,
    machine,
    shared: new Map(),
    executions(workflow) {
      const cached = listed.get(workflow);
      if (cached && Date.now() - cached.at < 200) return cached.items;
      const items = listAll(sfn, machine(workflow));
      listed.set(workflow, { at: Date.now(), items });
      return items;
    },
  };
}

export async function closeChaosContext(ctx: ChaosContext): Promise<void> {
  await ctx.inbox.stop();
  ctx.sfn.destroy();
}

async function listAll(sfn: SFNClient, stateMachineArn: string): Promise<ExecutionListItem[]> {
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs every path in turn (each one's runs `concurrency` at a time) and returns the table's rows. */
export async function runChaos(
  ctx: ChaosContext,
  paths: readonly ChaosPath[],
  options: ChaosOptions,
): Promise<PathRow[]> {
  const rows: PathRow[] = [];
  for (const path of paths) {
    const row = await runPath(ctx, path, options);
    options.onRow?.(row);
    rows.push(row);
  }
  return rows;
}

export async function runPath(ctx: ChaosContext, path: ChaosPath, options: ChaosOptions): Promise<PathRow> {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(path.env ?? {})) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  const started = Date.now();
  const faultsBefore = options.faultCount?.() ?? 0;
  const results: RunResult[] = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < options.runs) {
        const run = next++;
        results.push(await oneRun(ctx, path, run, options.boundMs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.runs) }, worker));
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  results.sort((a, b) => a.run - b.run);
  return {
    workflow: path.workflow,
    path: path.path,
    runs: results.length,
    faults: (options.faultCount?.() ?? 0) - faultsBefore,
    retries: sum(results.map((result) => result.retries)),
    correct: results.filter((result) => result.correct).length,
    duplicates: sum(results.map((result) => result.duplicates)),
    losses: sum(results.map((result) => result.losses)),
    stuck: sum(results.map((result) => result.stuck)),
    halfMade: results.filter((result) => result.problems.some((problem) => problem.startsWith('stored:')))
      .length,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    failures: results
      .filter((result) => !result.correct)
      .map((result) => ({ run: result.run, problems: result.problems })),
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

async function oneRun(ctx: ChaosContext, path: ChaosPath, run: number, boundMs: number): Promise<RunResult> {
  const deadline = Date.now() + boundMs;
  const result: RunResult = {
    run,
    correct: false,
    problems: [],
    duplicates: 0,
    losses: 0,
    stuck: 0,
    retries: 0,
  };
  let plan: RunPlan;
  try {
    plan = await path.drive(ctx, run);
  } catch (error) {
    result.problems.push(`driver: ${error instanceof Error ? error.message : String(error)}`);
    return result;
  }
  for (const expected of plan.executions) {
    const outcome = await awaitExecution(ctx, expected, deadline);
    result.retries += outcome.retries;
    if (outcome.stuck) result.stuck += 1;
    result.problems.push(...outcome.problems);
  }
  // Every execution has ended (or is stuck): no more emails are coming from the workflows.
  await ctx.inbox.poll();
  const emails = countEmails(ctx.inbox, plan);
  result.duplicates = emails.duplicates;
  result.losses = emails.losses;
  result.problems.push(...emails.problems);
  try {
    result.problems.push(...(await plan.check()).map((problem) => `stored: ${problem}`));
  } catch (error) {
    result.problems.push(`stored: check failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  result.correct = result.problems.length === 0;
  return result;
}

async function awaitExecution(ctx: ChaosContext, expected: ExpectedExecution, deadline: number) {
  const problems: string[] = [];
  const label = `${expected.workflow}`;
  let name: string | undefined;
  while (Date.now() < deadline) {
    name = typeof expected.find === 'string' ? expected.find : await expected.find(ctx);
    if (name) break;
    await sleep(50);
  }
  if (!name) return { stuck: true, retries: 0, problems: [`${label}: execution not found`] };
  const executionArn = `${ctx.machine(expected.workflow).replace(':stateMachine:', ':execution:')}:${name}`;
  let status: string | undefined;
  for (;;) {
    try {
      status = (await ctx.sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
    } catch {
      status = undefined; // not started yet (its name was known before the API started it)
    }
    if (status && status !== 'RUNNING') break;
    if (Date.now() > deadline) {
      return {
        stuck: true,
        retries: 0,
        problems: [`${label} ${name}: still ${status ?? 'not started'} (stuck)`],
      };
    }
    await sleep(50);
  }
  const events = await historyOf(ctx.sfn, executionArn);
  const last = lastStateEntered(events);
  if (status !== expected.status) {
    problems.push(
      `${label} ${name}: ended ${status} at ${last}, expected ${expected.status}${failureOf(events)}`,
    );
  } else if (expected.lastState && last !== expected.lastState) {
    problems.push(`${label} ${name}: ended at ${last}, expected ${expected.lastState}${failureOf(events)}`);
  }
  return { stuck: false, retries: retriesIn(events), problems };
}

function lastStateEntered(events: HistoryEvent[]): string | undefined {
  return events.filter((event) => event.stateEnteredEventDetails).at(-1)?.stateEnteredEventDetails?.name;
}

/** Task attempts beyond the first of each state entered: the Retry policies at work. */
export function retriesIn(events: HistoryEvent[]): number {
  const attempts = events.filter(
    (event) => event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled',
  ).length;
  const entered = events.filter(
    (event) => event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name,
  ).length;
  return Math.max(0, attempts - entered);
}

/** The errors the execution's tasks failed with, for a report. */
function failureOf(events: HistoryEvent[]): string {
  const errors = events
    .map((event) => event.taskFailedEventDetails?.error ?? event.lambdaFunctionFailedEventDetails?.error)
    .filter((error): error is string => Boolean(error));
  const failed = events.find((event) => event.executionFailedEventDetails)?.executionFailedEventDetails;
  const parts = [
    ...(errors.length ? [`task errors: ${errors.join(', ')}`] : []),
    ...(failed ? [`failed: ${failed.error ?? ''} ${failed.cause ?? ''}`.trim()] : []),
  ];
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function relevant(email: StoredEmail, about: string | undefined): boolean {
  return about === undefined || Boolean(email.body.text?.includes(about) || email.subject.includes(about));
}

function countEmails(inbox: ChaosInbox, plan: RunPlan) {
  let duplicates = 0;
  let losses = 0;
  const problems: string[] = [];
  for (const expected of plan.emails) {
    const found = inbox
      .to(expected.to)
      .filter((email) => email.subject === expected.subject && relevant(email, expected.about));
    if (found.length === 0) {
      losses += 1;
      problems.push(`email lost: "${expected.subject}" to ${expected.to}`);
    } else if (found.length > 1) {
      duplicates += found.length - 1;
      problems.push(`email sent ${found.length} times: "${expected.subject}" to ${expected.to}`);
    }
  }
  for (const watched of plan.watched) {
    const unexpected = inbox
      .to(watched.address)
      .filter((email) => relevant(email, watched.about))
      .filter(
        (email) =>
          !plan.emails.some(
            (expected) =>
              expected.to.toLowerCase() === watched.address.toLowerCase() &&
              expected.subject === email.subject,
          ),
      );
    if (unexpected.length) {
      duplicates += unexpected.length;
      problems.push(
        `unexpected email to ${watched.address}: ${unexpected.map((email) => `"${email.subject}"`).join(', ')}`,
      );
    }
  }
  return { duplicates, losses, problems };
}

/** The table `npm run chaos` prints. */
export function formatTable(rows: readonly PathRow[]): string {
  const header = [
    'workflow',
    'path',
    'runs',
    'faults injected',
    'retries seen',
    'correct ends',
    'duplicates',
    'losses',
    'stuck',
    'half-made',
    's',
  ];
  const lines = rows.map((row) => [
    row.workflow,
    row.path,
    String(row.runs),
    String(row.faults),
    String(row.retries),
    `${row.correct}/${row.runs}`,
    String(row.duplicates),
    String(row.losses),
    String(row.stuck),
    String(row.halfMade),
    String(row.seconds),
  ]);
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  const format = (line: string[]) =>
    `| ${line.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    format(header),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...lines.map(format),
  ].join('\n');
}

/** True when every run of every row ended correctly. */
export function allCorrect(rows: readonly PathRow[]): boolean {
  return rows.every(
    (row) => row.correct === row.runs && row.duplicates === 0 && row.losses === 0 && row.stuck === 0,
  );
}
