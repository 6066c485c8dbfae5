/**
 * Everything a workflow test needs, the same way for every workflow: a table of its own on the shared DynamoDB
 * Local, the SES emulator behind a fault proxy (to inject throttling), the settings the tasks read, and the real
 * ASL file created on a local Step Functions runtime with a small time scale.
 */
import { useLocalAws, type LocalAwsEnv } from './aws-env.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startLocalSfn, type LocalSfn } from './local-stepfunctions.js';

/** One workflow second is 1 ms: retries take milliseconds, a 600 s wait 0.6 s. */
export const WORKFLOW_TEST_TIME_SCALE = 0.001;
export const TEST_SITE_URL = 'https://alumni.example.test';
export const TEST_API_URL = 'https://api.alumni.example.test';
export const TEST_SENDER = 'no-reply@alumni.example.test';

export interface WorkflowHarness {
  env: LocalAwsEnv;
  ses: FaultProxy;
  sfn: LocalSfn;
  stateMachineArn: string;
  stop(): Promise<void>;
}

export async function startWorkflowHarness(
  workflowName: string,
  settings: Record<string, string> = {},
): Promise<WorkflowHarness> {
  const env = await useLocalAws(workflowName);
  const ses = await startFaultProxy(env.sesUrl);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SES: ses.url,
    SITE_URL: TEST_SITE_URL,
    PUBLIC_API_URL: TEST_API_URL,
    EMAIL_SENDER: TEST_SENDER,
    ...settings,
  });
  const sfn = await startLocalSfn({ timeScale: WORKFLOW_TEST_TIME_SCALE });
  const stateMachineArn = await sfn.createMachine(workflowName, `statemachines/${workflowName}.asl.json`);
  return {
    env,
    ses,
    sfn,
    stateMachineArn,
    async stop() {
      await sfn.stop();
      await ses.stop();
    },
  };
}
