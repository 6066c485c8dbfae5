/**
 * Keeps state machines, executions and their histories on disk under the local data folder, so they are still
 * listed after the runtime restarts. One folder per execution: `record.json` (rewritten atomically on every status
 * change) and `history.jsonl` (appended event by event).
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
import type { ExecutionRecord, HistoryEvent, StateMachineRecord } from './model.js';

export interface ExecutionStore {
  saveStateMachine(machine: StateMachineRecord): void;
  loadStateMachines(): StateMachineRecord[];
  saveExecution(execution: ExecutionRecord): void;
  appendHistory(executionArn: string, event: HistoryEvent): void;
  loadExecutions(): ExecutionRecord[];
  loadHistory(executionArn: string): HistoryEvent[];
}

/** For tests and throwaway runs: nothing survives the process. */
export class MemoryStore implements ExecutionStore {
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
}

export class FileStore implements ExecutionStore {
  private readonly machinesDir: string;
  private readonly executionsDir: string;

  constructor(root: string) {
    this.machinesDir = join(root, 'state-machines');
    this.executionsDir = join(root, 'executions');
    mkdirSync(this.machinesDir, { recursive: true });
    mkdirSync(this.executionsDir, { recursive: true });
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
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, 'record.json'), JSON.stringify(execution));
  }

  appendHistory(executionArn: string, event: HistoryEvent): void {
    appendFileSync(join(this.executionDir(executionArn), 'history.jsonl'), `${JSON.stringify(event)}\n`);
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

  /** Execution and state machine names are restricted to [A-Za-z0-9_-], so they are safe path segments. */
  private executionDir(executionArn: string): string {
    const [, , , , , , machine, name] = executionArn.split(':');
    return join(this.executionsDir, `${machine}__${name}`);
  }
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}
