/**
 * Fault injection in the local runtime (`LOCAL_FAULTS`, infra/local/faults.ts): the plan's parser, the seeded
 * decisions, the errors' shapes, a DynamoDB fault reaching a real task (on DynamoDB Local) as the SDK's error and
 * leaving it as `RetryableError`, a fault after the write (the write happened), Lambda faults in an execution's
 * history handled by the ASL's Retry, and nothing installed when the setting is unset.
 */
import { randomUUID } from 'node:crypto';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { SESServiceException } from '@aws-sdk/client-ses';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, dynamoDbClient, sesClient, tableName } from '../../core/aws-clients.js';
import { isTransientAwsError } from '../../core/errors.js';
import { keys } from '../../core/keys.js';
import { InvalidSettingError } from '../../core/settings.js';
import {
  faultDecider,
  installFaults,
  parseFaultPlan,
  sdkError,
  type FaultInjector,
  type FaultPlan,
} from '../../infra/local/faults.js';
import { readLocalSettings } from '../../infra/local/settings.js';
import { handler as releaseRegistration } from '../../tasks/release-registration.js';
import { sendEmail } from '../../core/email/send.js';
import { withInvocationLogger } from '../../core/logger.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';
import { awaitEmails, emailsTo } from '../helpers/inbox.js';
import { startTestSystem } from '../helpers/local-system.js';
import { historyOf, startLocalSfn, type LocalSfn } from '../helpers/local-stepfunctions.js';

const plan = (text: string): FaultPlan => parseFaultPlan(text);

describe('parseFaultPlan', () => {
  it('reads rates, the seed, api and after', () => {
    expect(parseFaultPlan('dynamodb:0.2,ses:0.2,lambda:0.05,seed:42')).toEqual({
      rates: { dynamodb: 0.2, ses: 0.2, lambda: 0.05 },
      seed: 42,
      api: false,
      afterSideEffect: 0.3,
    });
    expect(parseFaultPlan(' ses : 1 , api:1, after:0, seed:0 ')).toEqual({
      rates: { dynamodb: 0, ses: 1, lambda: 0 },
      seed: 0,
      api: true,
      afterSideEffect: 0,
    });
  });

  it('picks a seed when none is given (printed by npm start, so the run can be replayed)', () => {
    const { seed } = parseFaultPlan('lambda:0.1');
    expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
  });

  it.each([
    ['', 'LOCAL_FAULTS is empty'],
    ['dynamodb', "LOCAL_FAULTS: 'dynamodb' is not name:value"],
    ['dynamodb:1.5', "LOCAL_FAULTS: dynamodb must be a number from 0 to 1, not '1.5'"],
    ['ses:-0.1', "LOCAL_FAULTS: ses must be a number from 0 to 1, not '-0.1'"],
    ['lambda:abc', "LOCAL_FAULTS: lambda must be a number from 0 to 1, not 'abc'"],
    ['s3:0.1', "LOCAL_FAULTS: unknown 's3' in 's3:0.1' (known: dynamodb, ses, lambda, seed, api, after)"],
    ['seed:1.5', "LOCAL_FAULTS: seed must be an integer from 0 to 4294967295, not '1.5'"],
    ['api:yes', "LOCAL_FAULTS: api must be 1 or 0, not 'yes'"],
    ['ses:0.1,ses:0.2', "LOCAL_FAULTS: 'ses' is given twice"],
  ])('refuses %j naming the bad part', (text, message) => {
    expect(() => parseFaultPlan(text)).toThrow(InvalidSettingError);
    expect(() => parseFaultPlan(text)).toThrow(message);
  });

  it('is read from LOCAL_FAULTS into the local settings; unset is off', () => {
    expect(readLocalSettings({ LOCAL_FAULTS: 'ses:0.5,seed:7' }).faults).toMatchObject({
      rates: { ses: 0.5 },
      seed: 7,
    });
    expect(readLocalSettings({}).faults).toBeUndefined();
    expect(() => readLocalSettings({ LOCAL_FAULTS: 'ses:2' })).toThrow(InvalidSettingError);
  });
});

describe('decisions', () => {
  const sequence = (text: string) => {
    const decide = faultDecider(plan(text));
    return Array.from({ length: 300 }, (_, index) =>
      decide(
        (['dynamodb', 'ses', 'lambda'] as const)[index % 3]!,
        index % 2 ? 'PutItemCommand' : 'SendEmailCommand',
      ),
    );
  };

  it('are the same for the same seed, and differ for another', () => {
    const first = sequence('dynamodb:0.3,ses:0.3,lambda:0.3,seed:42');
    expect(sequence('dynamodb:0.3,ses:0.3,lambda:0.3,seed:42')).toEqual(first);
    expect(sequence('dynamodb:0.3,ses:0.3,lambda:0.3,seed:43')).not.toEqual(first);
    const faults = first.filter((decision) => decision !== undefined);
    // About 30% of 300, with every kind and some after the side effect.
    expect(faults.length).toBeGreaterThan(60);
    expect(faults.length).toBeLessThan(120);
    expect(faults.some((decision) => decision.afterSideEffect)).toBe(true);
    expect(faults.some((decision) => !decision.afterSideEffect)).toBe(true);
  });

  it("of one service do not depend on another's calls or rate", () => {
    const dynamoDb = (text: string, lambdaCalls: number) => {
      const decide = faultDecider(plan(text));
      return Array.from({ length: 50 }, (_, index) => {
        for (let call = 0; call < (index % 2) * lambdaCalls; call++) decide('lambda');
        return decide('dynamodb', 'PutItemCommand');
      });
    };
    expect(dynamoDb('dynamodb:0.3,lambda:0.5,seed:8', 3)).toEqual(dynamoDb('dynamodb:0.3,seed:8', 0));
  });

  it('follow the rates: 0 never, 1 always', () => {
    expect(sequence('seed:1').every((decision) => decision === undefined)).toBe(true);
    expect(sequence('dynamodb:1,ses:1,lambda:1,seed:1').every((decision) => decision !== undefined)).toBe(
      true,
    );
  });

  it('fault reads before the call only; transactions may be cancelled by a conflict', () => {
    const decide = faultDecider(plan('dynamodb:1,after:1,seed:3'));
    const reads = Array.from({ length: 50 }, () => decide('dynamodb', 'GetItemCommand')!);
    expect(reads.every((decision) => !decision.afterSideEffect)).toBe(true);
    const transactions = faultDecider(plan('dynamodb:1,after:0,seed:3'));
    const names = new Set(
      Array.from({ length: 100 }, () => transactions('dynamodb', 'TransactWriteItemsCommand')!.name),
    );
    expect(names).toEqual(
      new Set([
        'ProvisionedThroughputExceededException',
        'ThrottlingException',
        'InternalServerError',
        'TransactionConflict',
      ]),
    );
  });
});

describe('errors as the SDK throws them', () => {
  it.each([
    ['ProvisionedThroughputExceededException', ProvisionedThroughputExceededException, 400, 'client'],
    ['ThrottlingException', ThrottlingException, 400, 'client'],
    ['InternalServerError', InternalServerError, 500, 'server'],
  ] as const)('DynamoDB %s', (name, type, status, fault) => {
    const error = sdkError('dynamodb', name);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ name, $fault: fault, $metadata: { httpStatusCode: status } });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('a transaction cancelled by a conflict, with one reason per item', () => {
    const error = sdkError('dynamodb', 'TransactionConflict', { TransactItems: [{}, {}] });
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error).toMatchObject({
      name: 'TransactionCanceledException',
      $metadata: { httpStatusCode: 400 },
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
  });

  it('SES Throttling, ServiceUnavailable and timeouts', () => {
    expect(sdkError('ses', 'Throttling')).toBeInstanceOf(SESServiceException);
    expect(sdkError('ses', 'Throttling')).toMatchObject({
      name: 'Throttling',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(sdkError('ses', 'ServiceUnavailable')).toMatchObject({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    expect(sdkError('ses', 'TimeoutError').name).toBe('TimeoutError');
    const aborted = sdkError('ses', 'AbortError');
    expect(aborted).toMatchObject({ name: 'AbortError', message: 'Request aborted' });
    expect((aborted.cause as Error).name).toBe('TimeoutError');
  });
});

describe('on DynamoDB Local and the SES emulator', () => {
  let faults: FaultInjector | undefined;
  let env: LocalAwsEnv;

  beforeAll(async () => {
    env = await useLocalAws('faults');
    process.env.EMAIL_SENDER = 'no-reply@faults.example.test';
  });

  afterEach(() => {
    faults?.uninstall();
    faults = undefined;
  });

  const putRequest = async (requestId: string) =>
    documentClient.send(
      new PutCommand({ TableName: tableName(), Item: { ...keys.registrationRequest(requestId), note: 'x' } }),
    );
  const getRequest = async (requestId: string) =>
    (
      await documentClient.send(
        new GetCommand({
          TableName: tableName(),
          Key: keys.registrationRequest(requestId),
          ConsistentRead: true,
        }),
      )
    ).Item;
  const releaseInput = (requestId: string) => ({
    memberId: `m-${requestId.slice(0, 8)}`,
    executionName: 'e1',
    requestId,
  });

  it("fails a real task's call with the SDK's error, which the task contract turns into RetryableError", async () => {
    const requestId = randomUUID();
    await putRequest(requestId);
    faults = installFaults(plan('dynamodb:1,after:0,seed:5'));
    const failure = (await releaseRegistration(releaseInput(requestId)).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure.name).toBe('RetryableError');
    expect(failure.message).toMatch(
      /^(ProvisionedThroughputExceededException|ThrottlingException) \(HTTP 400\)$|^InternalServerError \(HTTP 500\)$/,
    );
    const stats = faults.stats();
    expect(stats.total).toBe(1);
    expect(stats.afterSideEffect.dynamodb).toBe(0);
    faults.uninstall();
    // Faulted before the call: the delete never happened.
    expect(await getRequest(requestId)).toBeDefined();
  });

  it('lets a write through before failing it when the fault lands after the side effect', async () => {
    const requestId = randomUUID();
    await putRequest(requestId);
    faults = installFaults(plan('dynamodb:1,after:1,seed:5'));
    const failure = (await releaseRegistration(releaseInput(requestId)).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure.name).toBe('RetryableError');
    expect(faults.stats()).toMatchObject({ total: 1, afterSideEffect: { dynamodb: 1 } });
    faults.uninstall();
    // The task saw a failure, but its delete went through.
    expect(await getRequest(requestId)).toBeUndefined();
  });

  it("leaves the API's calls alone unless api:1, and a put faulted after the side effect is stored", async () => {
    faults = installFaults(plan('dynamodb:1,after:1,seed:9'));
    const untouched = randomUUID();
    await putRequest(untouched);
    expect(faults.stats().calls.dynamodb).toBe(0);
    faults.uninstall();

    faults = installFaults(plan('dynamodb:1,after:1,api:1,seed:9'));
    const requestId = randomUUID();
    const failure = (await putRequest(requestId).catch((error: unknown) => error)) as Error;
    expect(['InternalServerError', 'TimeoutError']).toContain(failure.name);
    faults.uninstall();
    expect(await getRequest(requestId)).toMatchObject({ note: 'x' });
  });

  it('sends an email faulted after the side effect (the inbox has it) and fails the send as retryable', async () => {
    faults = installFaults(plan('ses:1,after:1,seed:2'));
    const to = `${randomUUID()}@faults.example.test`;
    const email = { subject: 'Hello', html: '<p>Hello</p>', text: 'Hello' };
    // Inside a task invocation's call chain, as a task's mailer would call it.
    const failures: unknown[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      await withInvocationLogger(
        () => undefined,
        () => sendEmail(to, email),
      ).catch((error: unknown) => failures.push(error));
    }
    expect(failures).toHaveLength(4);
    expect(faults.stats().afterSideEffect.ses).toBe(4);
    faults.uninstall();
    expect(await awaitEmails(env.sesUrl, to, 4)).toHaveLength(4);
    // Outside a task (the API's own sends) nothing is faulted without api:1.
    faults = installFaults(plan('ses:1,seed:2'));
    await sendEmail(to, email);
    expect(await emailsTo(env.sesUrl, to)).toHaveLength(5);
  });

  it('uninstall removes every trace; nothing is installed when LOCAL_FAULTS is unset', () => {
    const names = () => [
      ...dynamoDbClient.middlewareStack.identify(),
      ...sesClient.middlewareStack.identify(),
    ];
    expect(names().some((name) => name.includes('localFaultInjection'))).toBe(false);
    faults = installFaults(plan('ses:0.5,seed:1'));
    expect(() => installFaults(plan('ses:0.5,seed:1'))).toThrow('already installed');
    expect(names().filter((name) => name.includes('localFaultInjection'))).toHaveLength(2);
    faults.uninstall();
    expect(names().some((name) => name.includes('localFaultInjection'))).toBe(false);
  });
});

describe('Lambda faults in the Step Functions runtime', () => {
  let sfn: LocalSfn;
  let faults: FaultInjector | undefined;

  beforeAll(async () => {
    sfn = await startLocalSfn({ timeScale: 0.001 });
  });

  afterEach(() => {
    faults?.uninstall();
    faults = undefined;
  });

  afterAll(async () => {
    await sfn?.stop();
  });

  const handlerRuns = (key: string) =>
    ((globalThis as Record<string, unknown>).__flakyAttempts as Map<string, number> | undefined)?.get(key) ??
    0;

  /** The first seed whose first Lambda decisions at `rate` are `names` (undefined: no fault). */
  const seedFor = (rate: number, names: (string | undefined)[]) => {
    for (let seed = 0; ; seed++) {
      const decide = faultDecider(plan(`lambda:${rate},seed:${seed}`));
      if (names.every((name) => decide('lambda')?.name === name)) return seed;
    }
  };

  const definition = (retry: string[]) => ({
    StartAt: 'Echo',
    States: {
      Echo: {
        Type: 'Task',
        // Counts its invocations per key (globalThis.__flakyAttempts) and, with failTimes 0, succeeds.
        Resource: '${RuntimeFlakyFunctionArn}',
        Retry: [{ ErrorEquals: retry, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
        End: true,
      },
    },
  });

  it('fails invocations with Lambda.ServiceException and Lambda.TooManyRequestsException, which Retry handles', async () => {
    const arn = await sfn.createMachine(
      'faults-retry',
      definition(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
    );
    const seed = seedFor(0.5, ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', undefined]);
    faults = installFaults(plan(`lambda:0.5,seed:${seed}`));
    const execution = await sfn.start(arn, 'retried', { key: 'retried', failTimes: 0 });
    expect((await sfn.finished(execution)).status).toBe('SUCCEEDED');
    const failed = (await historyOf(sfn.client, execution))
      .filter((event) => event.type === 'LambdaFunctionFailed' || event.type === 'TaskFailed')
      .map((event) => event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails);
    expect(failed.map((details) => details?.error)).toEqual([
      'Lambda.ServiceException',
      'Lambda.TooManyRequestsException',
    ]);
    expect(failed[1]?.cause).toMatch(/Status Code: 429; Error Code: TooManyRequestsException/);
    expect(faults.stats().injected.lambda).toEqual({
      'Lambda.ServiceException': 1,
      'Lambda.TooManyRequestsException': 1,
    });
    // Both failed before the handler ran: it ran once, on the third attempt.
    expect(handlerRuns('retried')).toBe(1);
    faults.uninstall();
    faults = undefined;
  });

  it("retries a real task whose DynamoDB call failed, as RetryableError in the execution's history", async () => {
    const arn = await sfn.createMachine('faults-task', {
      StartAt: 'Release',
      States: {
        Release: {
          Type: 'Task',
          Resource: '${ReleaseRegistrationFunctionArn}',
          Retry: [{ ErrorEquals: ['RetryableError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 1 }],
          End: true,
        },
      },
    });
    // The task deletes the request, then reads the member (none): the delete fails first, then everything passes.
    let seed = 0;
    for (; ; seed++) {
      const decide = faultDecider(plan(`dynamodb:0.5,after:0,seed:${seed}`));
      if (decide('dynamodb', 'DeleteItemCommand') && !decide('dynamodb', 'DeleteItemCommand')) {
        if (!decide('dynamodb', 'GetItemCommand')) break;
      }
    }
    faults = installFaults(plan(`dynamodb:0.5,after:0,seed:${seed}`));
    const requestId = randomUUID();
    const execution = await sfn.start(arn, 'task-retried', {
      memberId: 'm-task-retried',
      executionName: 'task-retried',
      requestId,
    });
    expect((await sfn.finished(execution)).status).toBe('SUCCEEDED');
    const errors = (await historyOf(sfn.client, execution))
      .map((event) => event.lambdaFunctionFailedEventDetails?.error ?? event.taskFailedEventDetails?.error)
      .filter((error) => error !== undefined);
    expect(errors).toEqual(['RetryableError']);
    expect(faults.stats()).toMatchObject({ total: 1, calls: { dynamodb: 3 } });
    faults.uninstall();
    faults = undefined;
  });

  it('reports Sandbox.Timedout after the handler ran', async () => {
    const arn = await sfn.createMachine('faults-timedout', definition(['Lambda.ServiceException']));
    faults = installFaults(plan(`lambda:0.5,seed:${seedFor(0.5, ['Sandbox.Timedout'])}`));
    const execution = await sfn.start(arn, 'timedout', { key: 'timedout', failTimes: 0 });
    const described = await sfn.finished(execution);
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('Sandbox.Timedout');
    // The handler ran to the end (its side effects happened); the state saw a failure its Retry does not match.
    expect(handlerRuns('timedout')).toBe(1);
    expect(faults.stats()).toMatchObject({
      afterSideEffect: { lambda: 1 },
      injected: { lambda: { 'Sandbox.Timedout': 1 } },
    });
    faults.uninstall();
    faults = undefined;
  });
});

describe('the local system', () => {
  // Last in the file: this process's shared clients already point at the test DynamoDB Local (a client resolves its
  // endpoint once), so the system's own table goes there too, under a name of its own.
  it('installs the plan of LOCAL_FAULTS, exposes it as system.faults and uninstalls it on stop', async () => {
    const test = await startTestSystem('faults', {
      LOCAL_FAULTS: 'dynamodb:0.1,lambda:0.05,seed:42',
      TABLE_NAME: `test-faults-system-${randomUUID().slice(0, 8)}`,
    });
    try {
      expect(test.system.faults?.plan).toMatchObject({
        rates: { dynamodb: 0.1, ses: 0, lambda: 0.05 },
        seed: 42,
      });
      expect(test.system.faults?.describe()).toMatch(/^dynamodb 0.1, ses 0, lambda 0.05; seed 42; /);
      expect(
        dynamoDbClient.middlewareStack.identify().some((name) => name.includes('localFaultInjection')),
      ).toBe(true);
    } finally {
      await test.stop();
    }
    expect(
      dynamoDbClient.middlewareStack.identify().some((name) => name.includes('localFaultInjection')),
    ).toBe(false);
  });
});
