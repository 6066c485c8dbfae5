import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { LOCAL_HOST, assertPortFree } from './ports.js';

export interface SesEmulatorOptions {
  port: number;
}

export interface SesEmulator {
  /** Base URL: the SES endpoint for the SDK, the web inbox at `/`, every sent email as JSON at `/store`. */
  url: string;
  stop(): Promise<void>;
}

// The emulator is CommonJS with `exports.default`; `require` gives the same shape under tsx, vitest and plain
// Node, where a default import would depend on each loader's interop rules.
const require = createRequire(import.meta.url);
const sesEmulatorModule = require('aws-ses-v2-local') as typeof import('aws-ses-v2-local');

/** Runs the `aws-ses-v2-local` SES emulator in this process, bound to 127.0.0.1 (its default is every interface). */
export async function startSesEmulator({ port }: SesEmulatorOptions): Promise<SesEmulator> {
  await assertPortFree(port, 'SES emulator');
  const server: Server = await sesEmulatorModule.default({ host: LOCAL_HOST, port });
  return { url: `http://${LOCAL_HOST}:${port}`, stop: () => closeServer(server) };
}

/** Closes the listener and the SDK's idle keep-alive sockets, which would otherwise hold close() open. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
