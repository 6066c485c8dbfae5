import { createServer, request as httpRequest, type Server } from 'node:http';
import { LOCAL_HOST } from '../../infra/local/ports.js';

export type FaultMode = 'pass' | 'fail' | 'hang';

export interface InjectedResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A request seen by the proxy: its `X-Amz-Target` header (the AWS operation) and its body. */
export interface ProxiedRequest {
  target: string;
  body: string;
}

/** A request held by `holdNext`: `arrived` resolves when it reaches the proxy, `release` forwards it. */
export interface HeldRequest {
  arrived: Promise<void>;
  release(): void;
}

export interface FaultProxy {
  url: string;
  /** `pass` forwards to the real endpoint, `fail` answers 500, `hang` never answers. */
  setMode(mode: FaultMode): void;
  /** Answers the next `count` requests with `response` instead of forwarding them, then passes again. */
  failNext(count: number, response: InjectedResponse): void;
  /**
   * Holds the next request that `match`es until `release()` is called, then forwards it: a deterministic way to
   * let other requests overtake it (a race, replayed in a chosen order). Other requests pass meanwhile.
   */
  holdNext(match: (request: ProxiedRequest) => boolean): HeldRequest;
  /**
   * Forwards the next `times` requests that `match` to the real endpoint (so a write commits) but answers each with
   * `response` instead of the real answer: a call that failed after its side effect happened.
   */
  failAfterForwarding(
    match: (request: ProxiedRequest) => boolean,
    times: number,
    response: InjectedResponse,
  ): void;
  /** Records every request from now until `stop()` (in arrival order). */
  record(): { requests: ProxiedRequest[]; stop(): void };
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

/** DynamoDB's answer to an internal failure (HTTP 500), which the SDK retries and then reports as transient. */
export const dynamoDbInternalError: InjectedResponse = {
  status: 500,
  contentType: 'application/x-amz-json-1.0',
  body: JSON.stringify({
    __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
    message: 'injected',
  }),
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
  const recorders = new Set<ProxiedRequest[]>();
  let afterForwarding:
    | { match: (request: ProxiedRequest) => boolean; remaining: number; response: InjectedResponse }
    | undefined;
  let hold:
    { match: (request: ProxiedRequest) => boolean; arrive: () => void; released: Promise<void> } | undefined;
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
    const forward = (body?: Buffer, replacement?: InjectedResponse) => {
      forwardedCount += 1;
      const forwarded = httpRequest(
        `${target}${incoming.url ?? '/'}`,
        // As a reverse proxy does: the target is addressed by its own name (local servers refuse other Host values).
        { method: incoming.method, headers: { ...incoming.headers, host: new URL(target).host } },
        (upstream) => {
          if (replacement) {
            upstream.resume();
            upstream.on('end', () => {
              response.writeHead(replacement.status, { 'content-type': replacement.contentType });
              response.end(replacement.body);
            });
            return;
          }
          response.writeHead(upstream.statusCode ?? 502, upstream.headers);
          upstream.pipe(response);
        },
      );
      forwarded.on('error', () => response.destroy());
      if (body) forwarded.end(body);
      else incoming.pipe(forwarded);
    };
    if (!hold && !afterForwarding && recorders.size === 0) {
      forward();
      return;
    }
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const armed = hold;
      const seen = { target: String(incoming.headers['x-amz-target'] ?? ''), body: body.toString('utf8') };
      for (const requests of recorders) requests.push(seen);
      const failing = afterForwarding;
      if (failing && failing.match(seen)) {
        failing.remaining -= 1;
        if (failing.remaining <= 0) afterForwarding = undefined;
        forward(body, failing.response);
        return;
      }
      if (armed && hold === armed && armed.match(seen)) {
        hold = undefined;
        armed.arrive();
        void armed.released.then(() => forward(body));
        return;
      }
      forward(body);
    });
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
    holdNext: (match) => {
      let arrive = () => undefined as void;
      let release = () => undefined as void;
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      hold = { match, arrive, released };
      return { arrived, release };
    },
    failAfterForwarding: (match, times, injected) => {
      afterForwarding = times > 0 ? { match, remaining: times, response: injected } : undefined;
    },
    record: () => {
      const requests: ProxiedRequest[] = [];
      recorders.add(requests);
      return { requests, stop: () => void recorders.delete(requests) };
    },
    forwarded: () => forwardedCount,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
