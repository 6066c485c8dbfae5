/**
 * A site on another origin calls the local API from a browser (headless Chromium): a page served from an allowed
 * loopback origin (`SITE_ORIGINS`, as a site developer sets it for their dev server) fetches the API at
 * 127.0.0.1 with a Bearer token and with a JSON body, both of which need the preflight; the same calls from a page
 * on an origin that is not allowed are blocked by the browser.
 */
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra/local/ports.js';
import { browserSkipReason, launchChromium } from '../helpers/browser.js';
import { startTestSystem, type TestSystem } from '../helpers/local-system.js';

/** A site's page: an empty document on `http://localhost:<port>`, another origin than the API's 127.0.0.1. */
async function servePage(): Promise<{ origin: string; server: Server }> {
  const port = await findFreePort();
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>site</title>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { origin: `http://localhost:${port}`, server };
}

interface CallResult {
  status?: number;
  body?: unknown;
  error?: string;
}

describe.skipIf(browserSkipReason !== undefined)('CORS in a browser (headless Chromium)', () => {
  let test: TestSystem;
  let browser: Browser;
  let allowed: { origin: string; server: Server };
  let other: { origin: string; server: Server };
  let token: string;
  let staffId: string;

  beforeAll(async () => {
    [allowed, other] = await Promise.all([servePage(), servePage()]);
    const [started, launched] = await Promise.allSettled([
      startTestSystem('cors-browser', { SITE_ORIGINS: allowed.origin }),
      launchChromium(),
    ]);
    if (started.status === 'fulfilled') test = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    // Imported only now, as the system imports the API: after it (and its OpenAPI extension of zod) is loaded.
    const staff = await import('../helpers/staff.js');
    staffId = (await staff.putActiveStaff(['network:read'], 'cors')).id;
    token = await staff.staffSessionFor(staffId);
  });

  afterAll(async () => {
    await browser?.close();
    await test?.stop();
    for (const page of [allowed, other]) await new Promise((resolve) => page?.server.close(resolve));
  });

  /** From a page on `origin`: GET /staff/me with the Bearer token, and POST /staff/login with a JSON body. */
  async function callsFrom(origin: string): Promise<CallResult[]> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      return await page.evaluate(
        async ({ api, bearer }) => {
          const call = async (path: string, init: RequestInit) => {
            try {
              const response = await fetch(`${api}${path}`, init);
              return { status: response.status, body: await response.json() };
            } catch (error) {
              return { error: String(error) };
            }
          };
          return [
            await call('/staff/me', { headers: { Authorization: `Bearer ${bearer}` } }),
            await call('/staff/login', {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ email: 'nobody@staff.example.org' }),
            }),
          ];
        },
        { api: test.system.urls.api, bearer: token },
      );
    } finally {
      await context.close();
    }
  }

  it('lets a page on an allowed origin call the API with a Bearer token and a JSON body', async () => {
    expect(test.system.corsOrigins).toEqual([allowed.origin]);
    const [me, login] = await callsFrom(allowed.origin);
    expect(me).toMatchObject({ status: 200, body: { id: staffId } });
    expect(login).toEqual({ status: 200, body: 'OK' });
  });

  it('blocks the same calls from a page on an origin that is not allowed', async () => {
    const results = await callsFrom(other.origin);
    for (const result of results) expect(result.error).toMatch(/Failed to fetch/);
  });
});
