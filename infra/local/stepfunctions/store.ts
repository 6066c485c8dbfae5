/**
 * Keeps state machines, executions and their histories on disk under the local data folder, so they are still
 * listed after the runtime restarts. One folder per execution: `record.json` (rewritten atomically on every status
 * change) and `history.jsonl` (appended event by event). Events published with `events:putEvents` are appended to
 * `events.jsonl`.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ExecutionRecord, HistoryEvent, PublishedEvent, StateMachineRecord } from './model.js';

export interface ExecutionStore {
  saveStateMachine(machine: StateMachineRecord): void;
  loadStateMachines(): StateMachineRecord[];
  saveExecution(execution: ExecutionRecord): void;
  appendHistory(executionArn: string, event: HistoryEvent): void;
  loadExecutions(): ExecutionRecord[];
  loadHistory(executionArn: string): HistoryEvent[];
  appendPublishedEvent(event: PublishedEvent): void;
  /** Every published event, oldest first. */
  loadPublishedEvents(): PublishedEvent[];
}

/**
 * For tests and throwaway runs: nothing survives the process. Published events are kept in memory, so an engine
 * created again on the same store sees them.
 */
export class MemoryStore implements ExecutionStore {
  private readonly published: PublishedEvent[] = [];

  saveStateMachine(): void {}
  loadStateMachines(): StateMachineRecord[] {
    return [];
  }
  saveExecution(): void {}
  appendHistory(): void {}
  loadExecutions(): ExecutionRecord[] {
    return [];
  }
  loadHistory(): HistoryEvent[] {
    return [];
  }
  appendPublishedEvent(event: PublishedEvent): void {
    this.published.push(structuredClone(event));
  }
  loadPublishedEvents(): PublishedEvent[] {
    return this.published.map((event) => structuredClone(event));
  }
}

export class FileStore implements ExecutionStore {
  private readonly machinesDir: string;
  private readonly executionsDir: string;
  private readonly eventsFile: string;

  constructor(root: string) {
    this.machinesDir = join(root, 'state-machines');
    this.executionsDir = join(root, 'executions');
    this.eventsFile = join(root, 'events.jsonl');
    // Executions' inputs and histories are nobody else's business: this user only (with the data folder's 0700).
    mkdirSync(this.machinesDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.executionsDir, { recursive: true, mode: 0o700 });
  }

  saveStateMachine(machine: StateMachineRecord): void {
    writeAtomically(join(this.machinesDir, `${machine.name}.json`), JSON.stringify(machine));
  }

  loadStateMachines(): StateMachineRecord[] {
    return readdirSync(this.machinesDir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => JSON.parse(readFileSync(join(this.machinesDir, file), 'utf8')) as StateMachineRecord);
  }

  saveExecution(execution: ExecutionRecord): void {
    const dir = this.executionDir(execution.executionArn);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeAtomically(join(dir, 'record.json'), JSON.stringify(execution));
  }

  appendHistory(executionArn: string, event: HistoryEvent): void {
    appendFileSync(join(this.executionDir(executionArn), 'history.jsonl'), `${JSON.stringify(event)}\n`, {
      mode: 0o600,
    });
  }

  loadExecutions(): ExecutionRecord[] {
    const records: ExecutionRecord[] = [];
    for (const entry of readdirSync(this.executionsDir)) {
      const file = join(this.executionsDir, entry, 'record.json');
      if (existsSync(file)) records.push(JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord);
    }
    return records;
  }

  loadHistory(executionArn: string): HistoryEvent[] {
    const file = join(this.executionDir(executionArn), 'history.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as HistoryEvent);
  }

  appendPublishedEvent(event: PublishedEvent): void {
    appendFileSync(this.eventsFile, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  }

  loadPublishedEvents(): PublishedEvent[] {
    if (!existsSync(this.eventsFile)) return [];
    const text = readFileSync(this.eventsFile, 'utf8');
    // A line cut short by a crash mid-write is ended, so the next event starts a line of its own; that one event
    // is lost, the others are kept.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(this.eventsFile, '\n');
    const events: PublishedEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      try {
        events.push(JSON.parse(line) as PublishedEvent);
      } catch {
        // the cut-short line
      }
    }
    return events;
  }

  /** Execution and state machine names are restricted to [A-Za-z0-9_-], so they are safe path segments. */
  private executionDir(executionArn: string): string {
    const [, , , , , , machine, name] = executionArn.split(':');
    return join(this.executionsDir, `${machine}__${name}`);
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, file);
}
