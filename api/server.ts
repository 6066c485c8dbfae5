import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { LOCAL_HOST, assertPortFree } from '../infra/local/ports.js';

export interface FetchApp {
  fetch: (request: Request) => Response | Promise<Response>;
}

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves the API on Node for the local runtime, bound to 127.0.0.1 only. */
export async function startApiServer({ port, app }: { port: number; app: FetchApp }): Promise<ApiServer> {
  await assertPortFree(port, 'HTTP API');
  const server = createAdaptorServer({ fetch: (request) => app.fetch(request) }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOCAL_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
