import type { Server } from 'node:http';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { refuseForeignHosts } from './host-check.js';
import { LOCAL_HOST, assertPortFree } from './ports.js';

export interface SesEmulatorOptions {
  port: number;
  /** Keep the inbox in `<dataDir>/emails.json`, so emails (and their links) survive a restart. */
  dataDir?: string;
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
/**
 * The emulator keeps its inbox in a module-level object that its `getStoreReadonly` returns by reference (the
 * version is pinned in package.json). Persisting it is what lets a pending registration's link be found in the
 * inbox after `npm start` restarts and resumes the waiting workflow.
 */
const emulatorStore = (
  require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: unknown[] } }
).getStoreReadonly();
const INBOX_FLUSH_MS = 1000;

/** Runs the `aws-ses-v2-local` SES emulator in this process, bound to 127.0.0.1 (its default is every interface). */
export async function startSesEmulator({ port, dataDir }: SesEmulatorOptions): Promise<SesEmulator> {
  await assertPortFree(port, 'SES emulator');
  const inbox = dataDir ? persistInbox(dataDir) : undefined;
  const server: Server = await sesEmulatorModule.default({ host: LOCAL_HOST, port });
  // The inbox holds live sign-in, invitation and relay links: no page under another name may read it.
  refuseForeignHosts(server);
  return {
    url: `http://${LOCAL_HOST}:${port}`,
    stop: async () => {
      inbox?.stop();
      await closeServer(server);
    },
  };
}

/** Loads the saved inbox into the emulator, then saves it whenever it has grown (checked every second). */
function persistInbox(dataDir: string) {
  const file = join(dataDir, 'emails.json');
  // The inbox holds live links: this user only.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(file) && emulatorStore.emails.length === 0) {
    emulatorStore.emails.push(...(JSON.parse(readFileSync(file, 'utf8')) as unknown[]));
  }
  let saved = emulatorStore.emails.length;
  const save = () => {
    if (emulatorStore.emails.length === saved) return;
    saved = emulatorStore.emails.length;
    writeFileSync(`${file}.tmp`, JSON.stringify(emulatorStore.emails), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  const timer = setInterval(save, INBOX_FLUSH_MS);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      save();
    },
  };
}

/** Closes the listener and the SDK's idle keep-alive sockets, which would otherwise hold close() open. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
