/**
 * The local side of Step Functions' optimised EventBridge integration (`arn:aws:states:::events:putEvents`): checks
 * the entries as Step Functions and EventBridge do, records every accepted event and answers with the integration's
 * output. Nothing is routed: no rule or target is evaluated. Recorded events are kept in memory and in the store, so
 * they survive a restart, and `server.ts` serves them at `GET /events`.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowError } from './errors.js';
import type { PublishedEvent } from './model.js';
import type { ExecutionStore } from './store.js';

/** The bus an entry without `EventBusName` goes to, as in EventBridge. */
export const DEFAULT_EVENT_BUS_NAME = 'default';
/** PutEvents takes 1 to 10 entries per request. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
/** The error Step Functions fails the Task with when PutEvents answers a non-zero `FailedEntryCount`. */
export const FAILED_ENTRY_ERROR = 'EventBridge.FailedEntry';

/** EventBridge's `EventBusName` of PutEventsRequestEntry: a name or an event bus ARN. */
const eventBusNamePattern =
  /^(?:arn:aws[\w-]*:events:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:event-bus\/)?[/.\-_A-Za-z0-9]{1,256}$/;

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

/** What the Task returns: PutEvents' response, one result per entry in request order. */
export interface PutEventsOutput {
  Entries: PutEventsResultEntry[];
  FailedEntryCount: number;
}

/** Where a PutEvents call comes from: Step Functions appends both ARNs to each entry's `Resources`. */
export interface PutEventsOrigin {
  executionArn: string;
  stateMachineArn: string;
}

interface RequestEntry {
  EventBusName?: string;
  Source?: string;
  DetailType?: string;
  Detail?: unknown;
  Resources?: string[];
}

export class LocalEventBus {
  private readonly events: PublishedEvent[];

  constructor(private readonly store: ExecutionStore) {
    this.events = store.loadPublishedEvents();
  }

  /** Every recorded event, oldest first, optionally only those of one `detailType`. Copies: callers may keep them. */
  list(filter: { detailType?: string } = {}): PublishedEvent[] {
    return this.events
      .filter((event) => filter.detailType === undefined || event.detailType === filter.detailType)
      .map((event) => structuredClone(event));
  }

  /**
   * `events:putEvents` with the Task's effective parameters. Parameters that cannot make a PutEvents request (no
   * `Entries` list of 1 to 10 objects, a field of the wrong type) fail the Task with `States.Runtime`, as Step
   * Functions does. An entry EventBridge would refuse gets its `ErrorCode` and `ErrorMessage` and the Task fails
   * with `EventBridge.FailedEntry`, the response as its cause; the other entries of the call are still recorded,
   * because EventBridge accepts them.
   */
  putEvents(parameters: unknown, origin: PutEventsOrigin): PutEventsOutput {
    const entries = requestEntries(parameters);
    const time = new Date().toISOString();
    const results = entries.map((entry): PutEventsResultEntry => {
      const accepted = acceptEntry(entry);
      if ('ErrorCode' in accepted) return accepted;
      const event: PublishedEvent = {
        eventId: randomUUID(),
        time,
        executionArn: origin.executionArn,
        eventBusName: entry.EventBusName ?? DEFAULT_EVENT_BUS_NAME,
        source: accepted.source,
        detailType: accepted.detailType,
        detail: accepted.detail,
        resources: [...(entry.Resources ?? []), origin.stateMachineArn, origin.executionArn],
      };
      this.events.push(event);
      this.store.appendPublishedEvent(event);
      return { EventId: event.eventId };
    });
    const output: PutEventsOutput = {
      Entries: results,
      FailedEntryCount: results.filter((result) => result.ErrorCode !== undefined).length,
    };
    if (output.FailedEntryCount > 0) throw new WorkflowError(FAILED_ENTRY_ERROR, JSON.stringify(output));
    return output;
  }
}

/** The request's entries, or a `States.Runtime` error naming what is wrong with the parameters. */
function requestEntries(parameters: unknown): RequestEntry[] {
  const refuse = (why: string) =>
    new WorkflowError(
      'States.Runtime',
      `The Parameters '${JSON.stringify(parameters ?? null)}' could not be used to start the Task: [${why}]`,
    );
  if (!isObject(parameters)) throw refuse('events:putEvents needs Parameters with an Entries list');
  const entries = parameters.Entries;
  if (!Array.isArray(entries)) throw refuse("The field 'Entries' is required and must be a list");
  if (entries.length < 1 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
    throw refuse(
      `'Entries' must hold 1 to ${MAX_PUT_EVENTS_ENTRIES} entries (PutEvents' limit), got ${entries.length}`,
    );
  }
  return entries.map((entry: unknown, index) => {
    if (!isObject(entry)) throw refuse(`Entries[${index}] must be an object`);
    for (const field of ['EventBusName', 'Source', 'DetailType'] as const) {
      if (entry[field] !== undefined && typeof entry[field] !== 'string') {
        throw refuse(`The value for the field 'Entries[${index}].${field}' must be a STRING`);
      }
    }
    const resources = entry.Resources;
    if (
      resources !== undefined &&
      !(Array.isArray(resources) && resources.every((resource) => typeof resource === 'string'))
    ) {
      throw refuse(`The value for the field 'Entries[${index}].Resources' must be a list of STRINGs`);
    }
    return entry;
  });
}

type Accepted = { source: string; detailType: string; detail: PublishedEvent['detail'] };

/** The entry as EventBridge would record it, or the per-entry error EventBridge would answer. */
function acceptEntry(entry: RequestEntry): Accepted | Required<Omit<PutEventsResultEntry, 'EventId'>> {
  const invalid = (field: string, reason: string) => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
  });
  if (entry.EventBusName !== undefined && !eventBusNamePattern.test(entry.EventBusName)) {
    return invalid('EventBusName', 'EventBusName is not an event bus name or ARN.');
  }
  if (!entry.Source) return invalid('Source', 'Source is a required argument.');
  if (entry.Source.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
  if (entry.Detail === undefined || entry.Detail === null) {
    return invalid('Detail', 'Detail is a required argument.');
  }
  // Step Functions serialises a JSON Detail; EventBridge then wants the text of a JSON object.
  const text = typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail);
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch {
    detail = undefined;
  }
  if (!isObject(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return { source: entry.Source, detailType: entry.DetailType, detail };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
