import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { HttpError } from './http-error.js';

/*
 * The API docs page: Swagger UI from the `swagger-ui-dist` package, served by the app itself because the machines
 * running it may be offline (no CDN). Every URL is relative, so the page also works under an API Gateway stage.
 */

const swaggerUiFolder = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The only files served from the package (an allow-list, so no path from a request reaches the file system). */
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/** The package's files `/docs` serves (the CDK stack copies them, with its package.json, into the API's bundle). */
export const docsAssetFiles: readonly string[] = Object.keys(assets);

const docsPage = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Lumina API</title>
    <link rel="stylesheet" href="docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/swagger-initializer.js"></script>
  </body>
</html>
`;

// A separate file rather than an inline script, so a strict Content-Security-Policy can be added later.
const initializer = `window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;

const assetCache = new Map<string, Promise<Buffer>>();

export function registerDocs(app: Hono): void {
  app.get('/docs', (c) => c.html(docsPage));
  app.get('/docs/swagger-initializer.js', (c) =>
    c.body(initializer, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/docs/:asset', async (c) => {
    const asset = c.req.param('asset');
    const contentType = assets[asset];
    if (!contentType) throw new HttpError(404, 'Not Found');
    let content = assetCache.get(asset);
    if (!content) {
      content = readFile(join(swaggerUiFolder, asset));
      assetCache.set(asset, content);
    }
    return c.body(new Uint8Array(await content), 200, {
      'content-type': contentType,
      'cache-control': 'public, max-age=86400',
    });
  });
}
