/**
 * Every local server answers only to its own loopback names (issue 12, finding 15). A web page can make a
 * developer's browser send requests to 127.0.0.1 under a name it controls (DNS rebinding: `evil.example` first
 * resolves to the attacker, then to 127.0.0.1), and would then read the inbox's live links or drive the workflows
 * as a same-origin page. Such a request carries `Host: evil.example:<port>`: refused with 421 before any handler.
 */
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `Host` values a local server on `port` accepts: `127.0.0.1:<port>`, `localhost:<port>`, and any `extraHosts`. */
export function isAllowedHost(
  host: string | undefined,
  port: number,
  extraHosts: readonly string[] = [],
): boolean {
  if (host === undefined) return false;
  const value = host.trim().toLowerCase();
  const names = ['127.0.0.1', 'localhost'];
  const allowed = names.map((name) => `${name}:${port}`);
  // A client leaves out the port when it is the scheme's default.
  if (port === 80) allowed.push(...names);
  return allowed.includes(value) || extraHosts.some((extra) => extra.toLowerCase() === value);
}

/**
 * Puts the Host check in front of every `request` listener `server` has now (a server created by a library, like
 * the SES emulator's, keeps its own handler behind it). `extraHosts`: further `host[:port]` values to accept.
 */
export function refuseForeignHosts(server: Server, extraHosts: readonly string[] = []): void {
  const handlers = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const port = (server.address() as AddressInfo | null)?.port ?? 0;
    if (!isAllowedHost(request.headers.host, port, extraHosts)) {
      response.writeHead(421, { 'content-type': 'application/json', connection: 'close' });
      response.end(
        JSON.stringify({
          detail: `This local service answers only to 127.0.0.1:${port} and localhost:${port}`,
        }),
      );
      return;
    }
    for (const handler of handlers) handler.call(server, request, response);
  });
}

/** The `host[:port]` of each URL given (for example SITE_URL), to accept besides the loopback names. */
export function hostsOf(urls: readonly (string | undefined)[]): string[] {
  return urls.flatMap((url) => {
    if (!url) return [];
    try {
      return [new URL(url).host];
    } catch {
      return [];
    }
  });
}
