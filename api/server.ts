import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { settings } from '../core/settings.js';
import { refuseForeignHosts } from '../infra/local/host-check.js';
import { LOCAL_HOST, assertPortFree } from '../infra/local/ports.js';

export interface FetchApp {
  fetch: (request: Request) => Response | Promise<Response>;
}

export interface ApiServer {
  url: string;
  stop(): Promise<void>;
}

/** How long a client may take to send a whole request (`API_REQUEST_TIMEOUT_MS`, core/settings.ts, which says why). */
export const DEFAULT_REQUEST_TIMEOUT_MS = settings.apiRequestTimeoutMs.default;

export interface ApiServerOptions {
  port: number;
  app: FetchApp;
  /** Requests not fully received within this are answered 408 and closed; headers get the same bound. */
  requestTimeoutMs?: number;
  /**
   * `Host` values accepted besides `127.0.0.1:<port>` and `localhost:<port>` (the hosts of SITE_URL and
   * PUBLIC_API_URL when they name this server another way); any other is answered 421 (DNS rebinding).
   */
  extraHosts?: readonly string[];
}

/** Serves the API on Node for the local runtime, bound to 127.0.0.1 only. */
export async function startApiServer({
  port,
  app,
  requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  extraHosts = [],
}: ApiServerOptions): Promise<ApiServer> {
  await assertPortFree(port, 'HTTP API');
  const server = createAdaptorServer({
    fetch: (request) => app.fetch(request),
    serverOptions: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default), which would stretch them.
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
  }) as Server;
  refuseForeignHosts(server, extraHosts);
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
