import { createServer, request as httpRequest, type Server } from 'node:http';
import { LOCAL_HOST } from '../../infra/local/ports.js';

export type FaultMode = 'pass' | 'fail' | 'hang';

export interface SfnFaultProxy {
  url: string;
  /** `pass` forwards to the real endpoint, `fail` answers 500, `hang` never answers. */
  setMode(mode: FaultMode): void;
  stop(): Promise<void>;
}

/**
 * Failure injection at the edge: a proxy in front of the real local Step Functions endpoint that can be told to
 * fail or hang, so the health check's error paths are tested without pretending the endpoint exists.
 */
export async function startSfnFaultProxy(target: string): Promise<SfnFaultProxy> {
  let mode: FaultMode = 'pass';
  const server: Server = createServer((incoming, response) => {
    if (mode === 'hang') {
      incoming.resume();
      return;
    }
    if (mode === 'fail') {
      incoming.resume();
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'InternalFailure', message: 'injected failure' }));
      return;
    }
    const forwarded = httpRequest(
      `${target}${incoming.url ?? '/'}`,
      { method: incoming.method, headers: incoming.headers },
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
