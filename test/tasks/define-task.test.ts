/**
 * The task contract itself (tasks/define-task.ts): input and output parsing, the error mapping, the logger's
 * per-invocation context and replaceable dependencies. Fast tier: no emulator.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { fixedClock, type Clock } from '../../core/clock.js';
import { DomainError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import { defineTask, type Mailer } from '../../tasks/define-task.js';

const greeting = { greet: (name: string) => Promise.resolve(`Hello ${name}`) };

const task = defineTask({
  name: 'send-welcome-email',
  input: z.object({ memberId: z.string().min(1), fail: z.string().optional() }),
  output: z.object({ text: z.string(), at: z.string() }),
  throws: ['MemberAlreadyExists'],
  dependencies: { greeting },
  async run({ memberId, fail }, { clock, greeting: greet }) {
    if (fail === 'domain') throw new DomainError('MemberAlreadyExists', 'Member already exists');
    if (fail === 'undeclared') throw new DomainError('NotContactable', 'Not contactable');
    if (fail === 'later') throw new DomainError('TryAgainLater', 'Busy');
    if (fail === 'throttled')
      throw Object.assign(new Error('Rate exceeded for arn:aws:...'), { name: 'ThrottlingException' });
    if (fail === 'server')
      throw Object.assign(new Error('oops'), { name: 'Boom', $metadata: { httpStatusCode: 503 } });
    if (fail === 'bug') throw new TypeError('x is undefined');
    if (fail === 'output') return { text: 'no time' } as unknown as { text: string; at: string };
    return { text: await greet.greet(memberId), at: clock.now().toISOString() };
  },
});

/** Every JSON log line written while `work` runs (Powertools writes to stdout and stderr). */
async function logLines(work: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: unknown) => {
    for (const line of String(chunk).split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await work();
  } finally {
    vi.restoreAllMocks();
  }
  return lines;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected the task to fail');
  return error;
}

afterEach(() => vi.restoreAllMocks());

describe('defineTask', () => {
  it('parses the input, runs with the dependencies and returns the parsed output', async () => {
    const clock: Clock = fixedClock('2026-01-02T03:04:05.000Z');
    await expect(task.with({ clock })({ memberId: 'fred', extra: 1 })).resolves.toEqual({
      text: 'Hello fred',
      at: '2026-01-02T03:04:05.000Z',
    });
  });

  it('replaces a dependency for one handler only', async () => {
    const fake = task.with({ greeting: { greet: () => Promise.resolve('Hi') } });
    expect(await fake({ memberId: 'fred' })).toMatchObject({ text: 'Hi' });
    expect(await task({ memberId: 'fred' })).toMatchObject({ text: 'Hello fred' });
  });

  it('fails bad input as InvalidInput naming the fields, never the values', async () => {
    const error = await failure(task({ memberId: '', fail: 42 }));
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toBe('Invalid task input: memberId, fail');
    expect((await failure(task(null))).name).toBe('InvalidInput');
  });

  it('fails a domain error under its catalogue workflow name', async () => {
    const declared = await failure(task({ memberId: 'fred', fail: 'domain' }));
    expect([declared.name, declared.message]).toEqual(['MemberAlreadyExists', 'Member already exists']);
    const later = await failure(task({ memberId: 'fred', fail: 'later' }));
    expect(later.name).toBe('RetryableError');
  });

  it('logs an error it was not declared to throw, and still fails under its name', async () => {
    let error: Error | undefined;
    const lines = await logLines(async () => {
      error = await failure(task({ memberId: 'fred', fail: 'undeclared' }));
    });
    expect(error?.name).toBe('NotContactable');
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'Task failed with an undeclared error',
        error: 'NotContactable',
        task: 'send-welcome-email',
      }),
    );
  });

  it('turns AWS transients into RetryableError with only the name and status', async () => {
    const throttled = await failure(task({ memberId: 'fred', fail: 'throttled' }));
    expect([throttled.name, throttled.message]).toEqual(['RetryableError', 'ThrottlingException']);
    const server = await failure(task({ memberId: 'fred', fail: 'server' }));
    expect([server.name, server.message]).toEqual(['RetryableError', 'Boom (HTTP 503)']);
  });

  it('rethrows anything else unchanged', async () => {
    const error = await failure(task({ memberId: 'fred', fail: 'bug' }));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('fails an output that breaks its own schema as InvalidOutput', async () => {
    const error = await failure(task({ memberId: 'fred', fail: 'output' }));
    expect([error.name, error.message]).toEqual([
      'InvalidOutput',
      'Task send-welcome-email returned an invalid output: at',
    ]);
  });

  it('logs with the workflow, task, execution and Lambda context, reset per invocation', async () => {
    const probe = defineTask({
      name: 'reserve-member',
      input: z.object({ mark: z.string().optional() }),
      output: z.object({}),
      run({ mark }, { log }) {
        if (mark) log.appendKeys({ mark });
        log.error('probe');
        return Promise.resolve({});
      },
    });
    const lines = await logLines(async () => {
      await probe(
        { executionName: 'exec-1', mark: 'first' },
        { functionName: 'reserve', awsRequestId: 'req-1' },
      );
      await probe({}, { functionName: 'reserve', awsRequestId: 'req-2' });
    });
    const probes = lines.filter((line) => line.message === 'probe');
    expect(probes[0]).toMatchObject({
      workflow: 'registration',
      task: 'reserve-member',
      executionName: 'exec-1',
      function_name: 'reserve',
      function_request_id: 'req-1',
    });
    expect(probes[1]).toMatchObject({ task: 'reserve-member', function_request_id: 'req-2' });
    expect(probes[0]).toHaveProperty('mark', 'first');
    expect(probes[1]).not.toHaveProperty('executionName');
    expect(probes[1]).not.toHaveProperty('mark');
  });

  it('keeps each invocation’s context apart when they overlap in one process, and off other code’s lines', async () => {
    // Locally the API and every task share a process: two executions' tasks may be running at once.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = defineTask({
      name: 'reserve-member',
      input: z.object({ wait: z.boolean() }),
      output: z.object({}),
      async run({ wait }, { log }) {
        if (wait) await gate;
        log.error('step');
        return {};
      },
    });
    const lines = await logLines(async () => {
      const first = slow({ executionName: 'exec-a', wait: true });
      await slow({ executionName: 'exec-b', wait: false });
      logger.error('outside');
      release();
      await first;
    });
    const steps = lines.filter((line) => line.message === 'step').map((line) => line.executionName);
    expect(steps).toEqual(['exec-b', 'exec-a']);
    const outside = lines.find((line) => line.message === 'outside');
    expect(outside).toBeDefined();
    expect(outside).not.toHaveProperty('task');
    expect(outside).not.toHaveProperty('executionName');
  });

  it('refuses a task that is not in the registry', () => {
    expect(() =>
      defineTask({
        name: 'no-such-task',
        input: z.object({}),
        output: z.object({}),
        run: () => Promise.resolve({}),
      }),
    ).toThrow('Task no-such-task is not in tasks/registry.ts');
  });

  it('declares the names every task may fail with', () => {
    expect(task.contract).toMatchObject({
      name: 'send-welcome-email',
      workflow: 'registration',
      throws: ['InvalidInput', 'RetryableError', 'MemberAlreadyExists'],
    });
  });

  it('gives tasks the SES mailer by default and a replaced one on request', async () => {
    const sent: string[] = [];
    const mailer: Mailer = { send: (to) => (sent.push(to), Promise.resolve('m-1')) };
    const mailing = defineTask({
      name: 'send-welcome-email',
      input: z.object({ to: z.string() }),
      output: z.object({ messageId: z.string() }),
      run: async ({ to }, context) => ({
        messageId: await context.mailer.send(to, { subject: 's', html: 'h', text: 't' }),
      }),
    });
    expect(await mailing.with({ mailer })({ to: 'a@example.com' })).toEqual({ messageId: 'm-1' });
    expect(sent).toEqual(['a@example.com']);
  });
});
