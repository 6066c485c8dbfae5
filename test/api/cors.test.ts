/**
 * CORS on the API served by `npm start`, from the same policy and the same origins setting the CDK stack gives API
 * Gateway (core/cors.ts; the stack side is asserted in test/infra/stack.test.ts): an allowed origin's preflight is
 * answered with the methods and headers a site needs (Authorization, Content-Type), its requests get
 * `Access-Control-Allow-Origin` (errors too, so the site can read them), credentials mode is not allowed, and an
 * origin not allowed gets no CORS header at all. The browser's side is test/browser/cors.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { createApp as CreateApp } from '../../api/app.js';
import { generateSigningKeyJwk } from '../../core/auth/signing-key.js';
import { corsPolicy, localAllowedOrigins } from '../../core/cors.js';
import { InvalidSettingError, readLocalSettings } from '../../infra/local/settings.js';
import { useLocalAws } from '../helpers/aws-env.js';

const site = 'https://alumni.newtheatre.example';
const stranger = 'https://evil.example';
let app: ReturnType<typeof CreateApp>;

beforeAll(async () => {
  await useLocalAws('cors');
  process.env.SESSION_SIGNING_KEY = await generateSigningKeyJwk();
  const { createApp } = await import('../../api/app.js');
  app = createApp({ corsOrigins: localAllowedOrigins(undefined, `${site}/`) });
});

function corsHeaders(response: Response): Record<string, string> {
  return Object.fromEntries(
    [...response.headers.entries()].filter(([name]) => name.startsWith('access-control-')),
  );
}

function preflight(origin: string, method: string, headers: string) {
  return app.request('/member/someone', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

describe('CORS (npm start)', () => {
  it('allows http://localhost:3000 and the site of SITE_URL by default, or exactly SITE_ORIGINS', () => {
    expect(localAllowedOrigins(undefined, `${site}/auth`)).toEqual(['http://localhost:3000', site]);
    expect(localAllowedOrigins(' https://a.example, http://127.0.0.1:5173 ', site)).toEqual([
      'https://a.example',
      'http://127.0.0.1:5173',
    ]);
    expect(() => readLocalSettings({ SITE_ORIGINS: 'https://a.example/path' })).toThrow(InvalidSettingError);
    expect(() => readLocalSettings({ SITE_ORIGINS: 'https://a.example/path' })).toThrow(
      'SITE_ORIGINS: "https://a.example/path" is not an origin (like https://alumni.example.org)',
    );
  });

  it("answers an allowed origin's preflight for Authorization and Content-Type, without credentials", async () => {
    for (const origin of ['http://localhost:3000', site]) {
      const response = await preflight(origin, 'PUT', 'authorization,content-type');
      expect(response.status).toBe(204);
      expect(corsHeaders(response)).toEqual({
        'access-control-allow-origin': origin,
        'access-control-allow-methods': corsPolicy.allowMethods.join(','),
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-max-age': '3600',
      });
      expect(response.headers.get('vary')).toContain('Origin');
    }
  });

  it("lets an allowed origin read the API's answers, errors included", async () => {
    const ok = await app.request('/auth/check/optional', { headers: { origin: site } });
    expect(ok.status).toBe(200);
    expect(corsHeaders(ok)).toEqual({
      'access-control-allow-origin': site,
      'access-control-expose-headers': 'x-next-cursor,link,retry-after',
    });
    expect(ok.headers.get('vary')).toContain('Origin');

    const refused = await app.request('/auth/check/required', {
      headers: { origin: site, authorization: 'Bearer not-a-token' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(site);

    const invalid = await app.request('/member/someone', {
      method: 'POST',
      headers: { origin: site, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.headers.get('access-control-allow-origin')).toBe(site);
  });

  it('gives an origin that is not allowed no CORS header, on the preflight or the request', async () => {
    const refusedPreflight = await preflight(stranger, 'GET', 'authorization');
    expect(corsHeaders(refusedPreflight)).toEqual({});
    const request = await app.request('/auth/check/optional', { headers: { origin: stranger } });
    expect(request.status).toBe(200);
    expect(corsHeaders(request)).toEqual({});
    // Nor a look-alike of an allowed one.
    const lookAlike = await app.request('/auth/check/optional', {
      headers: { origin: `${site}.evil.example` },
    });
    expect(corsHeaders(lookAlike)).toEqual({});
  });

  it('adds nothing in the Lambda app, where API Gateway answers CORS', async () => {
    const { createApp } = await import('../../api/app.js');
    const lambdaApp = createApp();
    const response = await lambdaApp.request('/auth/check/optional', { headers: { origin: site } });
    expect(corsHeaders(response)).toEqual({});
  });
});
