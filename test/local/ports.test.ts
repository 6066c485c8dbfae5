import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStartupError, assertPortFree, findFreePort } from '../../infra/local/ports.js';
import { startSesEmulator } from '../../infra/local/ses.js';

let holder: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (holder ? holder.close(() => resolve()) : resolve()));
  holder = undefined;
});

async function holdPort(): Promise<number> {
  const port = await findFreePort();
  holder = createServer();
  await new Promise<void>((resolve) => holder!.listen(port, '127.0.0.1', resolve));
  return port;
}

describe('assertPortFree', () => {
  it('resolves for a free port', async () => {
    await expect(assertPortFree(await findFreePort(), 'DynamoDB Local')).resolves.toBeUndefined();
  });

  it('rejects a taken port with one clear line naming the variable to change', async () => {
    const port = await holdPort();
    const error: unknown = await assertPortFree(port, 'DynamoDB Local').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalStartupError);
    expect((error as Error).message).toBe(
      `DynamoDB Local: port ${port} on 127.0.0.1 is already in use (set DYNAMODB_PORT to use another)`,
    );
  });

  it('omits the hint for a service without a port variable', async () => {
    const port = await holdPort();
    await expect(assertPortFree(port, 'Test server')).rejects.toThrow(
      new LocalStartupError(`Test server: port ${port} on 127.0.0.1 is already in use`),
    );
  });

  it('stops a service from starting on a taken port', async () => {
    const port = await holdPort();
    await expect(startSesEmulator({ port })).rejects.toThrow(
      /^SES emulator: port \d+ .* \(set SES_PORT to use another\)$/,
    );
  });
});
