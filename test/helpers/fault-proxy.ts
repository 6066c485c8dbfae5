import { createServer, request as httpRequest, type Server } from 'node:http';
import { LOCAL_HOST } from '../../infra/local/ports.js';

export type FaultMode = 'pass' | 'fail' | 'hang';

export interface InjectedResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface FaultProxy {
  url: string;
  /** `pass` forwards to the real endpoint, `fail` answers 500, `hang` never answers. */
  setMode(mode: FaultMode): void;
  /** Answers the next `count` requests with `response` instead of forwarding them, then passes again. */
  failNext(count: number, response: InjectedResponse): void;
  /** Requests that reached the real endpoint. */
  forwarded(): number;
  stop(): Promise<void>;
}

/** SES's answer when the sending rate is exceeded (awsQuery protocol), which callers must retry. */
export const sesThrottled: InjectedResponse = {
  status: 400,
  contentType: 'text/xml',
  body:
    '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
    '<Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error>' +
    '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
};

const injectedFailure: InjectedResponse = {
  status: 500,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({ __type: 'InternalFailure', message: 'injected failure' }),
};

/**
 * Failure injection at the edge: a proxy in front of a real local endpoint (Step Functions, the SES emulator) that
 * can be told to fail or hang, so error paths are tested against the real service without pretending it exists.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let injections: InjectedResponse[] = [];
  let forwardedCount = 0;
  const server: Server = createServer((incoming, response) => {
    if (mode === 'hang') {
      incoming.resume();
      return;
    }
    const injected = injections.shift() ?? (mode === 'fail' ? injectedFailure : undefined);
    if (injected) {
      incoming.resume();
      response.writeHead(injected.status, { 'content-type': injected.contentType });
      response.end(injected.body);
      return;
    }
    forwardedCount += 1;
    const forwarded = httpRequest(
      `${target}${incoming.url ?? '/'}`,
      // As a reverse proxy does: the target is addressed by its own name (local servers refuse other Host values).
      { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
      (upstream) => {
        response.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, LOCAL_HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    setMode: (next) => {
      mode = next;
    },
    failNext: (count, injected) => {
      injections = Array.from({ length: count }, () => injected);
    },
    forwarded: () => forwardedCount,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
