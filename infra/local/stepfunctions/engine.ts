/**
 * The local Step Functions service: the operations of AWS's Step Functions API over `aws-local-stepfunctions`,
 * with durable execution records, task tokens and scaled time. `server.ts` puts it behind AWS's JSON protocol.
 */
import { randomUUID } from 'node:crypto';
import type { TaskFunction } from '../../../tasks/registry.js';
import { prepareDefinition, textOf, type PreparedDefinition } from './definition.js';
import { apiError } from './errors.js';
import { LocalEventBus } from './event-bridge.js';
import { ExecutionRun, type ResumePoint } from './execution-run.js';
import { LocalLambda } from './local-lambda.js';
import {
  detailsKeyFor,
  type ExecutionRecord,
  type ExecutionStatus,
  type HistoryEvent,
  type PublishedEvent,
  type StateMachineRecord,
} from './model.js';
import { MemoryStore, type ExecutionStore } from './store.js';
import { TaskTokens } from './task-tokens.js';
import { loadTimeoutErrorClass } from './timeout-error.js';

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
/** Step Functions' payload limit for inputs, outputs and task results. */
const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface EngineOptions {
  region: string;
  accountId: string;
  /** Repository root, against which task entries are resolved. */
  rootDir: string;
  tasks: readonly TaskFunction[];
  /** Multiplies every Wait, task timeout, heartbeat, retry interval and execution timeout. */
  timeScale?: number;
  store?: ExecutionStore;
  /** Problems with a definition (ASL validation and local-compatibility lint); empty when it can run. */
  validateDefinition?: (definition: unknown) => string[];
}

interface MachineEntry {
  record: StateMachineRecord;
  prepared: PreparedDefinition;
}

export class LocalStepFunctions {
  private readonly machines = new Map<string, MachineEntry>();
  private readonly executions = new Map<string, ExecutionRun>();
  private readonly tokens = new TaskTokens();
  private readonly lambda: LocalLambda;
  private readonly store: ExecutionStore;
  private readonly eventBus: LocalEventBus;
  private readonly timeScale: number;

  private constructor(private readonly options: EngineOptions) {
    this.lambda = new LocalLambda({ ...options, functions: options.tasks });
    this.store = options.store ?? new MemoryStore();
    this.eventBus = new LocalEventBus(this.store);
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('The time scale must be a positive number');
  }

  /** Creates the service and reloads what the store kept: state machines, executions, waiting tasks. */
  static async create(options: EngineOptions): Promise<LocalStepFunctions> {
    await loadTimeoutErrorClass();
    const engine = new LocalStepFunctions(options);
    engine.reload();
    return engine;
  }

  functionArn(taskName: string): string {
    return this.lambda.arnOf(taskName);
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  // ------------------------------------------------------------ state machines

  createStateMachine(request: { name?: unknown; definition?: unknown; roleArn?: unknown; type?: unknown }): {
    stateMachineArn: string;
    creationDate: number;
  } {
    const name = this.checkName(request.name);
    if (request.type !== undefined && request.type !== 'STANDARD') {
      throw apiError.stateMachineTypeNotSupported(textOf(request.type));
    }
    const definition = this.parseDefinition(request.definition);
    const arn = this.stateMachineArn(name);
    const roleArn = typeof request.roleArn === 'string' ? request.roleArn : this.localRoleArn(name);
    const existing = this.machines.get(arn);
    if (existing) {
      // AWS treats an identical re-create as idempotent and a different one as a conflict.
      if (existing.record.definition === request.definition && existing.record.roleArn === roleArn) {
        return { stateMachineArn: arn, creationDate: existing.record.creationDate };
      }
      throw apiError.stateMachineAlreadyExists(arn);
    }
    const record: StateMachineRecord = {
      stateMachineArn: arn,
      name,
      definition: String(request.definition),
      roleArn,
      type: 'STANDARD',
      creationDate: Date.now(),
    };
    this.machines.set(arn, { record, prepared: prepareDefinition(definition, this.timeScale) });
    this.store.saveStateMachine(record);
    return { stateMachineArn: arn, creationDate: record.creationDate };
  }

  updateStateMachine(request: { stateMachineArn?: unknown; definition?: unknown; roleArn?: unknown }) {
    const entry = this.machine(request.stateMachineArn);
    if (request.definition !== undefined) {
      const definition = this.parseDefinition(request.definition);
      entry.record.definition = textOf(request.definition);
      entry.prepared = prepareDefinition(definition, this.timeScale);
    }
    if (typeof request.roleArn === 'string') entry.record.roleArn = request.roleArn;
    this.store.saveStateMachine(entry.record);
    return { updateDate: Date.now() };
  }

  /** Creates the machine, or updates it when its definition changed (what `npm start` does for every ASL file). */
  upsertStateMachine(name: string, definition: string): string {
    const arn = this.stateMachineArn(name);
    const existing = this.machines.get(arn);
    if (!existing) return this.createStateMachine({ name, definition }).stateMachineArn;
    if (existing.record.definition !== definition)
      this.updateStateMachine({ stateMachineArn: arn, definition });
    return arn;
  }

  describeStateMachine(request: { stateMachineArn?: unknown }) {
    const { record } = this.machine(request.stateMachineArn);
    return {
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: 'ACTIVE',
      definition: record.definition,
      roleArn: record.roleArn,
      type: record.type,
      creationDate: record.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(request: { maxResults?: unknown; nextToken?: unknown }) {
    const all = [...this.machines.values()]
      .map(({ record }) => ({
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        type: record.type,
        creationDate: record.creationDate,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const { page, nextToken } = paginate(all, request.maxResults, request.nextToken);
    return { stateMachines: page, ...(nextToken ? { nextToken } : {}) };
  }

  deleteStateMachine(request: { stateMachineArn?: unknown }) {
    const { record } = this.machine(request.stateMachineArn);
    for (const run of this.executions.values()) {
      if (run.record.stateMachineArn === record.stateMachineArn)
        run.stop('States.Runtime', 'State machine deleted');
    }
    this.machines.delete(record.stateMachineArn);
    return {};
  }

  // ------------------------------------------------------------ executions

  startExecution(request: { stateMachineArn?: unknown; name?: unknown; input?: unknown }) {
    const entry = this.machine(request.stateMachineArn);
    const name = request.name === undefined ? randomUUID() : this.checkName(request.name);
    const input = request.input === undefined ? '{}' : request.input;
    if (typeof input !== 'string') throw apiError.invalidExecutionInput('input must be a JSON string');
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES)
      throw apiError.invalidExecutionInput('input exceeds 256 KB');
    try {
      JSON.parse(input);
    } catch {
      throw apiError.invalidExecutionInput('input is not valid JSON');
    }
    const executionArn = `arn:aws:states:${this.options.region}:${this.options.accountId}:execution:${entry.record.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // A retried start of a running execution with the same input is the same execution; anything else conflicts.
      if (existing.isRunning && existing.record.input === input) {
        return { executionArn, startDate: existing.record.startDate };
      }
      throw apiError.executionAlreadyExists(executionArn);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: entry.record.stateMachineArn,
      name,
      status: 'RUNNING',
      input,
      startDate: Date.now(),
    };
    this.store.saveExecution(record);
    const run = new ExecutionRun(record, entry.record, entry.prepared, this.runDependencies());
    this.executions.set(executionArn, run);
    run.start();
    return { executionArn, startDate: record.startDate };
  }

  describeExecution(request: { executionArn?: unknown }) {
    const { record } = this.execution(request.executionArn);
    return {
      ...withoutWaiting(record),
      inputDetails: { included: true },
      ...(record.output !== undefined ? { outputDetails: { included: true } } : {}),
    };
  }

  listExecutions(request: {
    stateMachineArn?: unknown;
    statusFilter?: unknown;
    maxResults?: unknown;
    nextToken?: unknown;
  }) {
    const { record: machine } = this.machine(request.stateMachineArn);
    const executions = [...this.executions.values()]
      .map((run) => run.record)
      .filter((record) => record.stateMachineArn === machine.stateMachineArn)
      .filter((record) => request.statusFilter === undefined || record.status === request.statusFilter)
      .sort((a, b) => b.startDate - a.startDate)
      .map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: record.startDate,
        ...(record.stopDate !== undefined ? { stopDate: record.stopDate } : {}),
      }));
    const { page, nextToken } = paginate(executions, request.maxResults, request.nextToken);
    return { executions: page, ...(nextToken ? { nextToken } : {}) };
  }

  stopExecution(request: { executionArn?: unknown; error?: unknown; cause?: unknown }) {
    const run = this.execution(request.executionArn);
    run.stop(optionalString(request.error), optionalString(request.cause));
    return { stopDate: run.record.stopDate ?? Date.now() };
  }

  getExecutionHistory(request: {
    executionArn?: unknown;
    maxResults?: unknown;
    nextToken?: unknown;
    reverseOrder?: unknown;
    includeExecutionData?: unknown;
  }) {
    const run = this.execution(request.executionArn);
    let events: HistoryEvent[] = request.reverseOrder === true ? [...run.history].reverse() : run.history;
    if (request.includeExecutionData === false) events = events.map(withoutExecutionData);
    const { page, nextToken } = paginate(events, request.maxResults, request.nextToken);
    return { events: page, ...(nextToken ? { nextToken } : {}) };
  }

  /** Resolves when the execution is no longer running (for tests and the supervisor). */
  async waitForExecution(executionArn: string): Promise<ExecutionStatus> {
    const run = this.execution(executionArn);
    await run.finished;
    return run.record.status;
  }

  // ------------------------------------------------------------ task callbacks

  sendTaskSuccess(request: { taskToken?: unknown; output?: unknown }) {
    if (typeof request.output !== 'string') throw apiError.invalidOutput('output must be a JSON string');
    if (Buffer.byteLength(request.output) > MAX_PAYLOAD_BYTES)
      throw apiError.invalidOutput('output exceeds 256 KB');
    let output: unknown;
    try {
      output = JSON.parse(request.output);
    } catch {
      throw apiError.invalidOutput('output is not valid JSON');
    }
    this.tokens.find(request.taskToken).succeed(output);
    return {};
  }

  sendTaskFailure(request: { taskToken?: unknown; error?: unknown; cause?: unknown }) {
    const waiter = this.tokens.find(request.taskToken);
    waiter.fail(optionalString(request.error) ?? '', optionalString(request.cause) ?? '');
    return {};
  }

  sendTaskHeartbeat(request: { taskToken?: unknown }) {
    this.tokens.find(request.taskToken).heartbeat();
    return {};
  }

  // ------------------------------------------------------------ events

  /**
   * The events workflows published with `events:putEvents` (kept by the store, so earlier runs' too), oldest first;
   * optionally only one `detailType`. No rule or target is evaluated locally: this is where they can be seen.
   */
  publishedEvents(filter: { detailType?: string } = {}): PublishedEvent[] {
    return this.eventBus.list(filter);
  }

  /** Stops timers of running executions without changing their records, so a restart can pick them up. */
  shutdown(): void {
    for (const run of this.executions.values()) run.detach();
  }

  // ------------------------------------------------------------ internals

  private reload(): void {
    for (const record of this.store.loadStateMachines()) {
      try {
        this.machines.set(record.stateMachineArn, {
          record,
          prepared: prepareDefinition(JSON.parse(record.definition) as Record<string, never>, this.timeScale),
        });
      } catch {
        // A definition that no longer parses is dropped; `npm start` re-creates every machine from its ASL file.
      }
    }
    for (const record of this.store.loadExecutions()) {
      const entry = this.machines.get(record.stateMachineArn);
      const history = this.store.loadHistory(record.executionArn);
      if (!entry) continue;
      const run = new ExecutionRun(record, entry.record, entry.prepared, this.runDependencies(), history);
      this.executions.set(record.executionArn, run);
      if (record.status === 'RUNNING') this.resume(run, entry.prepared, history);
    }
  }

  /**
   * Picks up an execution that was running when the runtime stopped. It resumes at the top-level state it was in
   * (a task waiting for its token keeps the same token and deadline; a Lambda task or Wait runs again, which is the
   * at-least-once delivery Lambda tasks must tolerate anyway). Inside a Parallel or Map it cannot, and fails.
   */
  private resume(run: ExecutionRun, prepared: PreparedDefinition, history: HistoryEvent[]): void {
    const point = findResumePoint(run.record, prepared, history);
    if (typeof point === 'string') {
      run.failUnresumable(point);
      return;
    }
    run.start(point);
  }

  private runDependencies() {
    return {
      timeScale: this.timeScale,
      region: this.options.region,
      lambda: this.lambda,
      tokens: this.tokens,
      store: this.store,
      eventBus: this.eventBus,
    };
  }

  private parseDefinition(definition: unknown): Record<string, never> {
    if (typeof definition !== 'string')
      throw apiError.invalidDefinition(['definition must be a JSON string']);
    let parsed: unknown;
    try {
      parsed = JSON.parse(definition);
    } catch (error) {
      throw apiError.invalidDefinition([`not valid JSON: ${(error as Error).message}`]);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw apiError.invalidDefinition(['definition must be a JSON object']);
    }
    const problems = this.options.validateDefinition?.(parsed) ?? [];
    if (problems.length > 0) throw apiError.invalidDefinition(problems);
    return parsed as Record<string, never>;
  }

  private checkName(name: unknown): string {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw apiError.invalidName(name);
    return name;
  }

  private localRoleArn(name: string): string {
    return `arn:aws:iam::${this.options.accountId}:role/${name}-role`;
  }

  private machine(arn: unknown): MachineEntry {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:')) throw apiError.invalidArn(arn);
    const entry = this.machines.get(arn);
    if (!entry) throw apiError.stateMachineDoesNotExist(arn);
    return entry;
  }

  private execution(arn: unknown): ExecutionRun {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:')) throw apiError.invalidArn(arn);
    const run = this.executions.get(arn);
    if (!run) throw apiError.executionDoesNotExist(arn);
    return run;
  }
}

function findResumePoint(
  record: ExecutionRecord,
  prepared: PreparedDefinition,
  history: HistoryEvent[],
): ResumePoint | string {
  const stopped = 'The local Step Functions runtime stopped while this execution was running';
  let current: { name: string; input: string } | undefined;
  for (const event of history) {
    const entered = event[detailsKeyFor(event.type)] as { name?: string; input?: string } | undefined;
    if (event.type.endsWith('StateEntered') && entered?.name && !prepared.states.get(entered.name)?.nested) {
      current = { name: entered.name, input: entered.input ?? 'null' };
    }
  }
  if (!current) return `${stopped}, before it entered its first state`;
  const last = [...history]
    .reverse()
    .find((event) => event.type.endsWith('StateEntered') || event.type.endsWith('StateExited'));
  const lastDetails = last ? (last[detailsKeyFor(last.type)] as { name?: string } | undefined) : undefined;
  const inTopLevelState = last?.type.endsWith('StateEntered') && lastDetails?.name === current.name;
  if (!inTopLevelState) {
    return `${stopped} inside a Parallel or Map state (after '${current.name}'), which cannot be resumed`;
  }
  const waiting = record.waiting?.find((task) => task.stateName === current.name);
  return {
    stateName: current.name,
    input: JSON.parse(current.input) as ResumePoint['input'],
    ...(waiting ? { waiting } : {}),
  };
}

function withoutWaiting(record: ExecutionRecord) {
  const { waiting: _waiting, ...rest } = record;
  return rest;
}

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: HistoryEvent = { ...event };
  const key = detailsKeyFor(event.type);
  const details = event[key];
  if (details && typeof details === 'object') {
    const {
      input: _input,
      output: _output,
      parameters: _parameters,
      ...rest
    } = details as Record<string, unknown>;
    copy[key] = rest;
  }
  return copy;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Offset-based pagination; the token is opaque to callers, as AWS's is. */
function paginate<T>(items: T[], maxResults: unknown, nextToken: unknown): { page: T[]; nextToken?: string } {
  const size = typeof maxResults === 'number' && maxResults > 0 ? Math.min(maxResults, 1000) : 100;
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded =
      typeof nextToken === 'string' ? Number(Buffer.from(nextToken, 'base64url').toString()) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0) throw apiError.invalidParameter('Invalid nextToken');
    offset = decoded;
  }
  const page = items.slice(offset, offset + size);
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
  return next ? { page, nextToken: next } : { page };
}
