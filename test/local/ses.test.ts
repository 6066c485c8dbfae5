import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../infra/local/ports.js';
import { startSesEmulator } from '../../infra/local/ses.js';
import { useLocalAws, type LocalAwsEnv } from '../helpers/aws-env.js';

let env: LocalAwsEnv;
let client: SESClient;

beforeAll(async () => {
  env = await useLocalAws('ses');
  client = new SESClient({ endpoint: env.sesUrl });
});

afterAll(() => client.destroy());

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

describe('SES emulator', () => {
  it('stores what SES v1 SendEmail sends, readable as JSON at /store', async () => {
    const { MessageId } = await client.send(
      new SendEmailCommand({
        Source: 'no-reply@alumni.localhost',
        Destination: { ToAddresses: ['member@example.com'] },
        Message: { Subject: { Data: 'Verify your email' }, Body: { Text: { Data: 'Hello' } } },
      }),
      { abortSignal: AbortSignal.timeout(2_000) },
    );
    const store = (await (await fetch(`${env.sesUrl}/store`)).json()) as { emails: StoredEmail[] };
    expect(store.emails.find((email) => email.messageId === MessageId)).toMatchObject({
      from: 'no-reply@alumni.localhost',
      destination: { to: ['member@example.com'] },
      subject: 'Verify your email',
      body: { text: 'Hello' },
    });
  });

  it('serves the web inbox', async () => {
    const response = await fetch(`${env.sesUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('SES emulator inbox across restarts', () => {
  it('keeps the inbox in the data folder and loads it again on the next start', async () => {
    const emulatorStore = createRequire(import.meta.url)('aws-ses-v2-local/dist/store.js') as {
      clearStore(): void;
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'ses-inbox-'));
    try {
      const first = await startSesEmulator({ port: await findFreePort(), dataDir });
      const sender = new SESClient({ endpoint: first.url });
      await sender.send(
        new SendEmailCommand({
          Source: 'no-reply@alumni.localhost',
          Destination: { ToAddresses: ['kept@example.com'] },
          Message: { Subject: { Data: 'Kept across restarts' }, Body: { Text: { Data: 'link' } } },
        }),
        { abortSignal: AbortSignal.timeout(2_000) },
      );
      sender.destroy();
      await first.stop();
      const saved = JSON.parse(readFileSync(join(dataDir, 'emails.json'), 'utf8')) as StoredEmail[];
      expect(saved.map((email) => email.subject)).toContain('Kept across restarts');

      // As in a new process: the emulator's in-memory inbox starts empty.
      emulatorStore.clearStore();
      const second = await startSesEmulator({ port: await findFreePort(), dataDir });
      const store = (await (await fetch(`${second.url}/store`)).json()) as { emails: StoredEmail[] };
      await second.stop();
      expect(store.emails.map((email) => email.subject)).toContain('Kept across restarts');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
