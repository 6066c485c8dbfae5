/** Records kept by the local Step Functions runtime, in the shapes its API returns. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StateMachineRecord {
  stateMachineArn: string;
  name: string;
  definition: string;
  roleArn: string;
  type: 'STANDARD';
  /** epoch ms */
  creationDate: number;
}

/** Where a running execution waits, so a restart can pick it up again. */
export interface WaitingTask {
  stateName: string;
  /** SHA-256 of the task token; the token itself is a credential and is never stored. */
  tokenHash: string;
  /** epoch ms after which the task times out, if it has a timeout */
  deadline?: number;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** epoch ms */
  startDate: number;
  stopDate?: number;
  waiting?: WaitingTask[];
}

/** AWS's HistoryEvent: `<camelType>EventDetails` carries the details; dates are epoch ms here. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

/** The property holding an event's details, as AWS names it (all `*StateEntered` share `stateEnteredEventDetails`). */
export function detailsKeyFor(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/**
 * An event a workflow published with `events:putEvents`, as the local runtime records it (no rule or target sees it;
 * it is kept, persisted and served at `GET /events`).
 */
export interface PublishedEvent {
  /** The id PutEvents answered with (a UUID, as EventBridge's). */
  eventId: string;
  /** When it was published, ISO 8601. */
  time: string;
  /** The execution that published it. */
  executionArn: string;
  /** `EventBusName` as the entry gave it (name or ARN); `default` when it gave none. */
  eventBusName: string;
  source: string;
  detailType: string;
  /** `Detail`, parsed: always a JSON object. */
  detail: { [key: string]: unknown };
  /** The entry's `Resources`, then the state machine and execution ARNs Step Functions appends. */
  resources: string[];
}
