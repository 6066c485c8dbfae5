/**
 * Starts the local Step Functions runtime (engine + its HTTP endpoint) for one test file and returns an unchanged
 * `@aws-sdk/client-sfn` client pointed at it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { LocalStepFunctions } from '../../infra/local/stepfunctions/engine.js';
import type { PublishedEvent } from '../../infra/local/stepfunctions/model.js';
import { startStepFunctionsServer, type RunningServer } from '../../infra/local/stepfunctions/server.js';
import type { ExecutionStore } from '../../infra/local/stepfunctions/store.js';
import { lintWorkflowDefinition } from '../../infra/asl-lint.js';
import { applySubstitutions, repoRoot, workflowSubstitutions } from '../../infra/workflows.js';
import { taskFunctions } from '../../tasks/registry.js';
import { runtimeTestTasks } from '../fixtures/tasks/index.js';
import { receivedToken } from '../fixtures/tasks/runtime-callback-receiver.js';

export interface LocalSfn {
  engine: LocalStepFunctions;
  server: RunningServer;
  client: SFNClient;
  /** Creates a state machine from an ASL file (relative to the repository) or a definition object. */
  createMachine(name: string, source: string | object): Promise<string>;
  /** Starts an execution through the SDK and returns its ARN. */
  start(stateMachineArn: string, name: string, input?: object): Promise<string>;
  /** Waits until the execution is no longer running and describes it through the SDK. */
  finished(executionArn: string): Promise<DescribeExecutionCommandOutput>;
  /**
   * The events workflows published with `events:putEvents`, oldest first (optionally one `detailType`); the same
   * list `GET <server.url>/events` serves. `${EventBusName}` is `localEventBusName` here.
   */
  publishedEvents(filter?: { detailType?: string }): PublishedEvent[];
  stop(): Promise<void>;
}

export const testTasks = [...taskFunctions, ...runtimeTestTasks];

export async function startLocalSfn(
  options: { timeScale?: number; store?: ExecutionStore } = {},
): Promise<LocalSfn> {
  const engine = await LocalStepFunctions.create({
    region: 'us-east-1',
    accountId: '000000000000',
    rootDir: repoRoot,
    tasks: testTasks,
    timeScale: options.timeScale ?? 1,
    ...(options.store ? { store: options.store } : {}),
    validateDefinition: (definition) => lintWorkflowDefinition(definition, { tasks: testTasks }),
  });
  const server = await startStepFunctionsServer(engine, 0, { definitionChanges: true });
  const client = sfnClient(server.url);
  const substitutions = workflowSubstitutions((task) => engine.functionArn(task.name), testTasks);
  return {
    engine,
    server,
    client,
    async createMachine(name, source) {
      const text =
        typeof source === 'string' ? readFileSync(join(repoRoot, source), 'utf8') : JSON.stringify(source);
      const definition = applySubstitutions(text, substitutions);
      const created = await client.send(
        new CreateStateMachineCommand({ name, definition, roleArn: 'arn:aws:iam::000000000000:role/test' }),
      );
      return created.stateMachineArn!;
    },
    async start(stateMachineArn, name, input = {}) {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return started.executionArn!;
    },
    async finished(executionArn) {
      await engine.waitForExecution(executionArn);
      return client.send(new DescribeExecutionCommand({ executionArn }));
    },
    publishedEvents(filter) {
      return engine.publishedEvents(filter);
    },
    async stop() {
      engine.shutdown();
      client.destroy();
      await server.stop();
    },
  };
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export async function historyOf(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 100 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The names of the states entered, in order: the path the execution took. */
export function statePath(events: HistoryEvent[]): string[] {
  return events
    .filter((event) => event.stateEnteredEventDetails)
    .map((event) => event.stateEnteredEventDetails!.name!);
}

export function count(events: HistoryEvent[], type: string): number {
  return events.filter((event) => event.type === type).length;
}

/** Polls until `probe` returns a value (tests wait for a task to receive its token, for instance). */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('Timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The task token the fixture callback task received for an execution (it files tokens by execution name). */
export function receivedTaskToken(executionName: string): Promise<string> {
  return eventually(() => receivedToken(executionName));
}
