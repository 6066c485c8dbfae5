/**
 * One body policy for every route (issue 12, finding 13), on the real app against DynamoDB Local: no route reads a
 * body over 64 KB (413), a deeply nested body is a 422 in lumina's validation shape on every JSON route and never a
 * 500 or an ERROR log line, and the local Node server gives up on a request that trickles in.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../api/app.js';
import { MAX_REQUEST_BODY_BYTES } from '../../api/body-policy.js';
import { startApiServer } from '../../api/server.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { MAX_BODY_DEPTH } from '../../core/case.js';
import { logger } from '../../core/logger.js';
import { LOCAL_HOST, findFreePort } from '../../infra/local/ports.js';
import { useLocalAws } from '../helpers/aws-env.js';

let app: ReturnType<typeof createApp>;
const logLines: string[] = [];

beforeAll(async () => {
  await useLocalAws('body-policy');
  Object.assign(process.env, {
    SITE_URL: 'https://alumni.example.org',
    PUBLIC_API_URL: 'https://api.alumni.example.org',
    EMAIL_SENDER: 'no-reply@alumni.localhost',
    SESSION_SIGNING_KEY: await generateSigningKeyJwk(),
  });
  delete process.env.SESSION_SIGNING_KEY_FILE;
  logger.setLogLevel('DEBUG');
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown) => {
      logLines.push(String(chunk));
      return true;
    });
  }
  app = createApp({ relayOutcomeWaitMs: 1_000 });
});

afterAll(() => vi.restoreAllMocks());

const errorLines = () => logLines.filter((line) => line.includes('"level":"ERROR"'));

/** Every operation of the app's own OpenAPI document that takes a JSON body, with its path filled in. */
async function jsonBodyRoutes(): Promise<{ method: string; path: string }[]> {
  const document = (await (await app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
  };
  const routes: { method: string; path: string }[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.requestBody?.content?.['application/json']) continue;
      // Values every path schema accepts (a member id, a uuid), so a request reaches its body.
      const path = template.replace(/\{(\w+)\}/g, (_match, name: string) =>
        name === 'id' && template.startsWith('/member/') ? 'someone' : '0b7e4a1c-5d1f-4c53-9a43-5b0d1f3c2a11',
      );
      routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

describe('request body size', () => {
  it('answers 413 on every route before reading a 20 MB body, the link routes included', async () => {
    const routes = await jsonBodyRoutes();
    // The three routes the audit found without a limit must be among those checked.
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/auth/redeem' },
        { method: 'POST', path: '/contact/confirm' },
        { method: 'POST', path: '/contact/report' },
      ]),
    );
    const huge = JSON.stringify({ token: 'x'.repeat(20 * 1024 * 1024) });
    for (const { method, path } of routes) {
      // With Content-Length (what a client sends) and without it (a chunked upload: counted as it streams).
      for (const withLength of [true, false]) {
        const response = await app.request(path, {
          method,
          headers: {
            'content-type': 'application/json',
            ...(withLength ? { 'content-length': String(huge.length) } : {}),
          },
          body: huge,
        });
        expect({ method, path, withLength, status: response.status }).toEqual({
          method,
          path,
          withLength,
          status: 413,
        });
        expect(await response.json()).toEqual({ detail: 'Request body too large' });
      }
    }
  });

  it('still takes a body just under the limit on a link route (refused for its content, not its size)', async () => {
    const body = JSON.stringify({ token: 'x'.repeat(MAX_REQUEST_BODY_BYTES - 100) });
    const response = await app.request('/auth/redeem', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(422);
  });
});

describe('request body depth', () => {
  const nested = (depth: number) => `{"token": ${'['.repeat(depth)}${']'.repeat(depth)}}`;

  it('answers 422 in the validation shape, with no ERROR log, for 7,000 levels on every JSON route', async () => {
    const before = errorLines().length;
    const body = nested(7_000);
    expect(body.length).toBeLessThan(MAX_REQUEST_BODY_BYTES);
    for (const { method, path } of await jsonBodyRoutes()) {
      const response = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body,
      });
      // Routes that need a token answer 401 before the body is read; every other route refuses the body.
      expect({ path, status: response.status }).toEqual({
        path,
        status: expect.toSatisfy((status: number) => status === 422 || status === 401),
      });
    }
    expect(errorLines().slice(before)).toEqual([]);
  });

  it('names the body as the problem on the routes the audit used', async () => {
    for (const path of ['/auth/redeem', '/staff/login', '/contact/confirm', '/member/someone']) {
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: nested(7_000),
      });
      expect(response.status).toBe(422);
      expect(await response.json()).toEqual({
        detail: [
          {
            type: 'value_error',
            loc: ['body'],
            msg: `The body must not nest deeper than ${MAX_BODY_DEPTH} levels`,
          },
        ],
      });
    }
  });

  it('keeps accepting snake_case keys within the limit', async () => {
    // Parsed and validated as usual: an unknown link is refused as one, not as a body problem.
    const response = await app.request('/auth/redeem', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'a'.repeat(43), extra_field: { a_b: [[{ c_d: 1 }]] } }),
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 401,
      body: { detail: 'Invalid or expired token' },
    });
  });
});

describe('request time on the local server', () => {
  it('closes a connection whose body trickles in after the request timeout (408), not after 300 s', async () => {
    const port = await findFreePort();
    const server = await startApiServer({ port, app, requestTimeoutMs: 600 });
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, LOCAL_HOST);
        let received = '';
        let timer: NodeJS.Timeout | undefined;
        socket.on('connect', () => {
          socket.write(
            `POST /auth/redeem HTTP/1.1\r\nHost: ${LOCAL_HOST}:${port}\r\n` +
              'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
          );
          // One byte every 200 ms: each arrives well within any idle timeout.
          timer = setInterval(() => socket.write(' '), 200);
        });
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('close', () => {
          clearInterval(timer);
          resolve(received);
        });
        socket.on('error', reject);
        setTimeout(() => {
          clearInterval(timer);
          socket.destroy();
          reject(new Error('the server kept the connection open for 10 s'));
        }, 10_000);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.stop();
    }
  });
});
