import { createServer, type Server } from 'node:http';
import { LOCAL_HOST } from '../../infra/local/ports.js';

export type SfnStubMode = 'ok' | 'fail' | 'hang';

export interface SfnStub {
  url: string;
  /** `ok` answers ListStateMachines, `fail` answers 500, `hang` never answers. */
  setMode(mode: SfnStubMode): void;
  stop(): Promise<void>;
}

/**
 * A stand-in for the Step Functions endpoint that speaks just enough of its JSON protocol (awsJson1_0,
 * `X-Amz-Target: AWSStepFunctions.ListStateMachines`) for the `workflows` health check.
 *
 * TODO(local runtime): switch the health tests to the real endpoint in infra/local/stepfunctions/ once it is in,
 * keeping this stub only for the `fail` and `hang` cases.
 */
export async function startSfnStub(): Promise<SfnStub> {
  let mode: SfnStubMode = 'ok';
  const server: Server = createServer((request, response) => {
    request.resume();
    if (mode === 'hang') return;
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify(body));
    };
    if (mode === 'fail') return json(500, { __type: 'InternalFailure', message: 'stub failure' });
    if (request.headers['x-amz-target'] !== 'AWSStepFunctions.ListStateMachines') {
      return json(400, { __type: 'UnknownOperationException', message: 'not stubbed' });
    }
    json(200, { stateMachines: [] });
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
