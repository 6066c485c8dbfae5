/**
 * `arn:aws:states:::events:putEvents` on the local runtime: the integration's output and history, the events it
 * records (with the engine, in the store across a restart, at `GET /events`), and entries EventBridge would refuse.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../infra/local/stepfunctions/engine.js';
import type { PublishedEvent } from '../../infra/local/stepfunctions/model.js';
import { FileStore } from '../../infra/local/stepfunctions/store.js';
import { localEventBusName, repoRoot } from '../../infra/workflows.js';
import { historyOf, startLocalSfn, statePath, type LocalSfn } from '../helpers/local-stepfunctions.js';

const FIXTURE = 'test/fixtures/fixture-events.asl.json';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const approval = {
  submissionId: 'sub-1',
  detailType: 'submission.approved',
  settled: { site: 'alumni' },
};

/** A machine that publishes whatever entries its input carries, with the error caught into the output. */
const publishFromInput = {
  StartAt: 'Publish',
  States: {
    Publish: {
      Type: 'Task',
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { 'Entries.$': '$.entries' },
      Catch: [{ ErrorEquals: ['EventBridge.FailedEntry'], ResultPath: '$.failure', Next: 'Refused' }],
      End: true,
    },
    Refused: { Type: 'Pass', End: true },
  },
};

const entry = (fields: Record<string, unknown> = {}) => ({
  EventBusName: localEventBusName,
  Source: 'lumina.test',
  DetailType: 'test.event',
  Detail: { n: 1 },
  ...fields,
});

function taskEvents(events: HistoryEvent[]) {
  return events
    .filter((event) => event.type?.startsWith('Task') && !event.type.startsWith('TaskState'))
    .map((event) => {
      const details = (event.taskScheduledEventDetails ??
        event.taskStartedEventDetails ??
        event.taskSucceededEventDetails ??
        event.taskFailedEventDetails) as { resourceType?: string; resource?: string };
      return [event.type, details?.resourceType, details?.resource];
    });
}

let sfn: LocalSfn;
let fixtureArn: string;
let inputArn: string;

beforeAll(async () => {
  sfn = await startLocalSfn();
  fixtureArn = await sfn.createMachine('fixture-events', FIXTURE);
  inputArn = await sfn.createMachine('publish-from-input', publishFromInput);
});

afterAll(async () => {
  await sfn.stop();
});

describe('events:putEvents', () => {
  it("publishes the entry, answers PutEvents' output and records the event", async () => {
    const executionArn = await sfn.start(fixtureArn, 'approve', approval);
    const described = await sfn.finished(executionArn);
    expect(described.status).toBe('SUCCEEDED');

    const output = JSON.parse(described.output!) as { published: { Entries: { EventId: string }[] } };
    expect(output.published).toEqual({
      Entries: [{ EventId: expect.stringMatching(uuid) }],
      FailedEntryCount: 0,
    });

    const published = sfn.publishedEvents().filter((event) => event.executionArn === executionArn);
    expect(published).toEqual([
      {
        eventId: output.published.Entries[0]!.EventId,
        time: expect.any(String),
        executionArn,
        eventBusName: localEventBusName,
        source: 'lumina.submissions',
        detailType: 'submission.approved',
        detail: { submissionId: 'sub-1', site: 'alumni' },
        resources: [fixtureArn, executionArn],
      } satisfies PublishedEvent,
    ]);
    expect(Date.parse(published[0]!.time)).toBeGreaterThanOrEqual(described.startDate!.getTime());
  });

  it('leaves TaskScheduled, TaskStarted and TaskSucceeded with resourceType events and resource putEvents', async () => {
    const executionArn = await sfn.start(fixtureArn, 'history', approval);
    await sfn.finished(executionArn);
    const events = await historyOf(sfn.client, executionArn);
    expect(statePath(events)).toEqual(['PublishApproval', 'Published']);
    expect(taskEvents(events)).toEqual([
      ['TaskScheduled', 'events', 'putEvents'],
      ['TaskStarted', 'events', 'putEvents'],
      ['TaskSucceeded', 'events', 'putEvents'],
    ]);
    const scheduled = events.find((event) => event.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(JSON.parse(scheduled.parameters!)).toEqual({
      Entries: [
        {
          EventBusName: localEventBusName,
          Source: 'lumina.submissions',
          DetailType: 'submission.approved',
          Detail: { submissionId: 'sub-1', site: 'alumni' },
        },
      ],
    });
    const succeeded = events.find((event) => event.type === 'TaskSucceeded')!.taskSucceededEventDetails!;
    expect(JSON.parse(succeeded.output!)).toMatchObject({ FailedEntryCount: 0 });
  });

  it('fails the task with EventBridge.FailedEntry for an entry EventBridge refuses, which a Catch matches', async () => {
    const before = sfn.publishedEvents().length;
    const executionArn = await sfn.start(fixtureArn, 'no-detail-type', { ...approval, detailType: '' });
    const described = await sfn.finished(executionArn);
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!) as {
      outcome: string;
      failure: { Error: string; Cause: string };
    };
    expect(output.outcome).toBe('not published');
    expect(output.failure.Error).toBe('EventBridge.FailedEntry');
    expect(JSON.parse(output.failure.Cause)).toEqual({
      Entries: [
        {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        },
      ],
      FailedEntryCount: 1,
    });
    expect(sfn.publishedEvents()).toHaveLength(before);

    const events = await historyOf(sfn.client, executionArn);
    expect(statePath(events)).toEqual(['PublishApproval', 'NotPublished']);
    expect(taskEvents(events).at(-1)).toEqual(['TaskFailed', 'events', 'putEvents']);
    const failed = events.find((event) => event.type === 'TaskFailed')!.taskFailedEventDetails!;
    expect(failed.error).toBe('EventBridge.FailedEntry');
  });

  it.each([
    ['no Source', { Source: undefined }, 'InvalidArgument', 'Parameter Source is not valid'],
    ['an AWS Source', { Source: 'aws.states' }, 'NotAuthorizedForSourceException', 'Not authorized'],
    ['no Detail', { Detail: undefined }, 'InvalidArgument', 'Parameter Detail is not valid'],
    ['a Detail that is not JSON', { Detail: '{not json' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a JSON list', { Detail: '[1, 2]' }, 'MalformedDetail', 'Detail is malformed.'],
    ['a Detail that is a number', { Detail: 7 }, 'MalformedDetail', 'Detail is malformed.'],
    ['an invalid bus name', { EventBusName: 'no spaces' }, 'InvalidArgument', 'Parameter EventBusName'],
  ])('refuses an entry with %s', async (name, fields, code, message) => {
    const executionArn = await sfn.start(inputArn, `refused-${name.replaceAll(' ', '-')}`, {
      entries: [entry(fields)],
    });
    const described = await sfn.finished(executionArn);
    const output = JSON.parse(described.output!) as { failure: { Error: string; Cause: string } };
    expect(output.failure.Error).toBe('EventBridge.FailedEntry');
    const cause = JSON.parse(output.failure.Cause) as {
      Entries: { ErrorCode: string; ErrorMessage: string }[];
    };
    expect(cause.Entries[0]!.ErrorCode).toBe(code);
    expect(cause.Entries[0]!.ErrorMessage).toContain(message);
    expect(sfn.publishedEvents().filter((event) => event.executionArn === executionArn)).toEqual([]);
  });

  it('records the accepted entries of a call that also has a refused one, as EventBridge does', async () => {
    const executionArn = await sfn.start(inputArn, 'partly-refused', {
      entries: [entry({ Detail: { n: 1 } }), entry({ DetailType: undefined }), entry({ Detail: { n: 3 } })],
    });
    const output = JSON.parse((await sfn.finished(executionArn)).output!) as { failure: { Cause: string } };
    const cause = JSON.parse(output.failure.Cause) as { Entries: object[]; FailedEntryCount: number };
    expect(cause.FailedEntryCount).toBe(1);
    expect(cause.Entries).toEqual([
      { EventId: expect.stringMatching(uuid) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('DetailType') },
      { EventId: expect.stringMatching(uuid) },
    ]);
    const recorded = sfn.publishedEvents().filter((event) => event.executionArn === executionArn);
    expect(recorded.map((event) => event.detail)).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('takes a Detail string holding a JSON object, the default bus, and up to ten entries', async () => {
    const entries = [
      entry({ Detail: '{"text": "as a string"}', EventBusName: undefined }),
      ...Array.from({ length: 9 }, (_, n) => entry({ Detail: { n } })),
    ];
    const executionArn = await sfn.start(inputArn, 'ten', { entries });
    const described = await sfn.finished(executionArn);
    expect(JSON.parse(described.output!)).toMatchObject({ FailedEntryCount: 0 });
    const recorded = sfn.publishedEvents().filter((event) => event.executionArn === executionArn);
    expect(recorded).toHaveLength(10);
    expect(recorded[0]).toMatchObject({ eventBusName: 'default', detail: { text: 'as a string' } });
    expect(recorded[1]).toMatchObject({ eventBusName: localEventBusName, detail: { n: 0 } });
  });

  it.each([
    ['no entries', { entries: [] }, "'Entries' must hold 1 to 10 entries"],
    ['eleven entries', { entries: Array.from({ length: 11 }, () => entry()) }, 'got 11'],
    ['Entries that is not a list', { entries: { Source: 'x' } }, "The field 'Entries' is required"],
    [
      'a Source that is not a string',
      { entries: [entry({ Source: 5 })] },
      "'Entries[0].Source' must be a STRING",
    ],
  ])('fails the execution with States.Runtime for %s', async (name, input, cause) => {
    const executionArn = await sfn.start(inputArn, `runtime-${name.replaceAll(' ', '-')}`, input);
    const described = await sfn.finished(executionArn);
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('States.Runtime');
    expect(described.cause).toContain('could not be used to start the Task');
    expect(described.cause).toContain(cause);
    expect(sfn.publishedEvents().filter((event) => event.executionArn === executionArn)).toEqual([]);
  });

  it('refuses events:putEvents.waitForTaskToken: at CreateStateMachine, and at run time without the lint', async () => {
    const definition = {
      StartAt: 'Publish',
      States: {
        Publish: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          Parameters: { Entries: [{ ...entry(), Detail: { 'token.$': '$$.Task.Token' } }] },
          TimeoutSeconds: 60,
          End: true,
        },
      },
    };
    await expect(sfn.createMachine('publish-and-wait', definition)).rejects.toMatchObject({
      name: 'InvalidDefinition',
      message: expect.stringContaining(
        'events:putEvents.waitForTaskToken is not supported by the local runtime',
      ),
    });

    const unlinted = await LocalStepFunctions.create({
      region: 'us-east-1',
      accountId: '000000000000',
      rootDir: repoRoot,
      tasks: [],
    });
    try {
      const { stateMachineArn } = unlinted.createStateMachine({
        name: 'publish-and-wait',
        definition: JSON.stringify(definition),
      });
      const { executionArn } = unlinted.startExecution({ stateMachineArn });
      expect(await unlinted.waitForExecution(executionArn)).toBe('FAILED');
      const described = unlinted.describeExecution({ executionArn });
      expect(described.error).toBe('States.Runtime');
      expect(described.cause).toContain('does not support the task resource');
      expect(unlinted.publishedEvents()).toEqual([]);
    } finally {
      unlinted.shutdown();
    }
  });

  it('serves the recorded events at GET /events, oldest first, filtered by ?detailType=', async () => {
    const all = (await (await fetch(`${sfn.server.url}/events`)).json()) as PublishedEvent[];
    expect(all).toEqual(sfn.publishedEvents());
    expect(all.length).toBeGreaterThan(2);
    const times = all.map((event) => Date.parse(event.time));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const response = await fetch(`${sfn.server.url}/events?detailType=submission.approved`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const approved = (await response.json()) as PublishedEvent[];
    expect(approved.length).toBeGreaterThan(0);
    expect(approved.every((event) => event.detailType === 'submission.approved')).toBe(true);
    expect(approved).toEqual(sfn.publishedEvents({ detailType: 'submission.approved' }));
    expect(await (await fetch(`${sfn.server.url}/events?detailType=nothing.like.this`)).json()).toEqual([]);
  });
});

describe('published events across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sfn-events-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are kept by the FileStore in events.jsonl and listed again after the runtime restarts', async () => {
    const first = await startLocalSfn({ store: new FileStore(dataDir) });
    let published: PublishedEvent[];
    try {
      const machineArn = await first.createMachine('fixture-events', FIXTURE);
      const executionArn = await first.start(machineArn, 'before-restart', approval);
      expect((await first.finished(executionArn)).status).toBe('SUCCEEDED');
      published = first.publishedEvents();
      expect(published).toHaveLength(1);
    } finally {
      await first.stop();
    }
    const file = join(dataDir, 'events.jsonl');
    expect(existsSync(file)).toBe(true);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(published);

    const second = await startLocalSfn({ store: new FileStore(dataDir) });
    try {
      expect(second.publishedEvents()).toEqual(published);
      const served = (await (await fetch(`${second.server.url}/events`)).json()) as PublishedEvent[];
      expect(served).toEqual(published);

      // New events are appended after the kept ones.
      const machineArn = second.engine.stateMachineArn('fixture-events');
      const executionArn = await second.start(machineArn, 'after-restart', {
        ...approval,
        submissionId: 'sub-2',
      });
      await second.finished(executionArn);
      expect(second.publishedEvents().map((event) => event.detail.submissionId)).toEqual(['sub-1', 'sub-2']);
    } finally {
      await second.stop();
    }
  });
});
