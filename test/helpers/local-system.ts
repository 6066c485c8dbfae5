/**
 * The whole local system (what `npm start` runs) in this test file's process, on free ports and a data folder of
 * its own, and a small client for its API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../infra/local/ports.js';
import { readLocalSettings } from '../../infra/local/settings.js';
import { startLocalSystem, type LocalSystem } from '../../infra/local/system.js';

export interface ApiResponse {
  status: number;
  /** Parsed JSON, or the text when the answer is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface TestSystem {
  system: LocalSystem;
  /** `LOCAL_DATA_DIR` of this system (removed by stop()). */
  dataDir: string;
  /** A function, not a method: tests destructure it (`({ system, call } = test)`). */
  call: (method: string, path: string, options?: { token?: string; body?: unknown }) => Promise<ApiResponse>;
  stop(): Promise<void>;
}

/** `settings`: more of `npm start`'s environment, e.g. `LOCAL_TIME_SCALE`. */
export async function startTestSystem(
  label: string,
  settings: Record<string, string> = {},
): Promise<TestSystem> {
  const dataDir = mkdtempSync(join(tmpdir(), `${label}-`));
  const localSettings = readLocalSettings({
    ...settings,
    API_PORT: String(await findFreePort()),
    DYNAMODB_PORT: String(await findFreePort()),
    SES_PORT: String(await findFreePort()),
    SFN_PORT: String(await findFreePort()),
    LOCAL_DATA_DIR: dataDir,
  });
  // The system sets these for itself (links to its own pages, a key of its own) unless they are given.
  for (const name of ['SITE_URL', 'PUBLIC_API_URL', 'SESSION_SIGNING_KEY', 'SESSION_SIGNING_KEY_FILE']) {
    delete process.env[name];
  }
  const system = await startLocalSystem(localSettings);
  return {
    system,
    dataDir,
    async call(method, path, options = {}) {
      const response = await fetch(`${system.urls.api}${path}`, {
        method,
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
        body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return { status: response.status, body };
    },
    async stop() {
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
