import type { StateMachine } from 'aws-local-stepfunctions';

/** The interpreter's event log entries (its package does not export the type by name). */
export type InterpreterEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
