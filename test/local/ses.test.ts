import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
