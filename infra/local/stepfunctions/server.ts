/**
 * Step Functions' wire protocol (awsJson1_0: POST /, `X-Amz-Target: AWSStepFunctions.<Operation>`) in front of the
 * local engine, so the unchanged `@aws-sdk/client-sfn` (pointed here by AWS_ENDPOINT_URL_SFN) works against it.
 * Request signatures are not checked: the server only listens on 127.0.0.1, answers only to the Host names
 * 127.0.0.1:<port> and localhost:<port> (DNS rebinding), and by default does not offer the operations that change
 * a workflow's definition: `npm start` creates its state machines in-process, so no local process can rewrite one
 * (for example to skip the relay's consent check) through this endpoint.
 *
 * Not part of AWS's API: `GET /events` lists the events workflows published with `events:putEvents` (a JSON array,
 * oldest first; `?detailType=` keeps one detail type), since nothing else receives them locally.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { refuseForeignHosts } from '../host-check.js';
import { SfnApiError, apiError } from './errors.js';
import type { LocalStepFunctions } from './engine.js';

type Operation = (engine: LocalStepFunctions, request: Record<string, unknown>) => unknown;

/** Offered only with `definitionChanges` (the runtime's own tests create machines through the SDK). */
const definitionOperations: Record<string, Operation> = {
  CreateStateMachine: (engine, request) => engine.createStateMachine(request),
  UpdateStateMachine: (engine, request) => engine.updateStateMachine(request),
  DeleteStateMachine: (engine, request) => engine.deleteStateMachine(request),
};

const operations: Record<string, Operation> = {
  DescribeStateMachine: (engine, request) => engine.describeStateMachine(request),
  ListStateMachines: (engine, request) => engine.listStateMachines(request),
  StartExecution: (engine, request) => engine.startExecution(request),
  DescribeExecution: (engine, request) => engine.describeExecution(request),
  ListExecutions: (engine, request) => engine.listExecutions(request),
  StopExecution: (engine, request) => engine.stopExecution(request),
  GetExecutionHistory: (engine, request) => engine.getExecutionHistory(request),
  SendTaskSuccess: (engine, request) => engine.sendTaskSuccess(request),
  SendTaskFailure: (engine, request) => engine.sendTaskFailure(request),
  SendTaskHeartbeat: (engine, request) => engine.sendTaskHeartbeat(request),
};

/** Request bodies above this are refused before parsing (the largest legal request is a 256 KB payload). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface RunningServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StepFunctionsServerOptions {
  /** Offer Create/Update/DeleteStateMachine on the wire (tests); `npm start` leaves it off. */
  definitionChanges?: boolean;
}

export async function startStepFunctionsServer(
  engine: LocalStepFunctions,
  port: number,
  { definitionChanges = false }: StepFunctionsServerOptions = {},
): Promise<RunningServer> {
  const offered = definitionChanges ? { ...operations, ...definitionOperations } : operations;
  const server = createServer((request, response) => {
    handle(engine, offered, request, response).catch((error: unknown) => {
      send(response, 500, {
        __type: 'InternalFailure',
        message: error instanceof Error ? error.message : 'error',
      });
    });
  });
  refuseForeignHosts(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The path of the published-events listing. */
export const EVENTS_PATH = '/events';

async function handle(
  engine: LocalStepFunctions,
  offered: Record<string, Operation>,
  request: IncomingMessage,
  response: ServerResponse,
) {
  if (request.method === 'GET') {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === EVENTS_PATH) {
      const detailType = url.searchParams.get('detailType');
      const events = engine.publishedEvents(detailType === null ? {} : { detailType });
      send(response, 200, events, 'application/json');
      return;
    }
  }
  const target = request.headers['x-amz-target'];
  const operationName = typeof target === 'string' ? target.replace(/^AWSStepFunctions\./, '') : '';
  try {
    if (request.method !== 'POST') throw apiError.unknownOperation(`${request.method} ${request.url}`);
    const operation = Object.hasOwn(offered, operationName) ? offered[operationName] : undefined;
    if (!operation) throw apiError.unknownOperation(operationName || '(no X-Amz-Target)');
    const body = await readBody(request);
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      throw new SfnApiError('SerializationException', 'Request body is not valid JSON');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SfnApiError('SerializationException', 'Request body must be a JSON object');
    }
    send(response, 200, toWire(operation(engine, parsed as Record<string, unknown>)));
  } catch (error) {
    if (error instanceof SfnApiError) {
      send(response, 400, { __type: error.code, message: error.message });
      return;
    }
    throw error;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new SfnApiError('ValidationException', 'Request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The JSON protocol sends timestamps as epoch seconds; the engine keeps epoch milliseconds. */
const DATE_FIELDS = new Set(['creationDate', 'startDate', 'stopDate', 'updateDate', 'timestamp']);

function toWire(value: unknown, key?: string): unknown {
  if (typeof value === 'number' && key !== undefined && DATE_FIELDS.has(key)) return value / 1000;
  if (Array.isArray(value)) return value.map((item) => toWire(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v, k)]));
  }
  return value;
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/x-amz-json-1.0',
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    ...(status >= 400 && body && typeof body === 'object' && '__type' in body
      ? { 'x-amzn-errortype': String((body as { __type: string }).__type) }
      : {}),
  });
  response.end(text);
}
