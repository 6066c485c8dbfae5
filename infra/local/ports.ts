import { createServer } from 'node:net';

/**
 * A local service could not start for a reason the operator can fix (a taken port, no Java). The supervisor
 * prints its message as one line instead of a stack trace.
 */
export class LocalStartupError extends Error {
  override name = 'LocalStartupError';
}

/** Every local service binds here: nothing of the local runtime is reachable from other machines. */
export const LOCAL_HOST = '127.0.0.1';

/** The environment variable that moves each service to another port, named in the "port taken" message. */
export const portVariableByService: Readonly<Record<string, string>> = {
  'DynamoDB Local': 'DYNAMODB_PORT',
  'SES emulator': 'SES_PORT',
  'Step Functions endpoint': 'SFN_PORT',
  'HTTP API': 'API_PORT',
  'S3 emulator': 'S3_PORT',
};

/**
 * Rejects with a one-line `LocalStartupError` when `port` is taken on 127.0.0.1. Checked before starting a service
 * because a JVM or an HTTP server reports a taken port late and verbosely (or, for DynamoDB Local, by exiting).
 */
export function assertPortFree(
  port: number,
  serviceName: string,
  portVariable: string | undefined = portVariableByService[serviceName],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const hint = portVariable ? ` (set ${portVariable} to use another)` : '';
        const problem = error.code === 'EADDRINUSE' ? 'is already in use' : 'may not be opened by this user';
        reject(new LocalStartupError(`${serviceName}: port ${port} on ${LOCAL_HOST} ${problem}${hint}`));
      } else {
        reject(
          new LocalStartupError(
            `${serviceName}: cannot check port ${port} on ${LOCAL_HOST}: ${error.message}`,
          ),
        );
      }
    });
    // `exclusive` so a port held by a cluster worker in this same process still counts as taken.
    probe.listen({ port, host: LOCAL_HOST, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A port that was free a moment ago (the OS picks it), for tests that start their own servers. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: LOCAL_HOST, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('The OS assigned no port'))));
    });
  });
}
