/** The log groups of the stack: the given retention, and deleted with the stack. */
import { RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface AppLogGroupProps {
  retention: RetentionDays;
  /** A fixed name where the service needs one (Step Functions' vended logs); otherwise CloudFormation names it. */
  logGroupName?: string;
}

export class AppLogGroup extends LogGroup {
  constructor(scope: Construct, id: string, props: AppLogGroupProps) {
    super(scope, id, {
      ...(props.logGroupName ? { logGroupName: props.logGroupName } : {}),
      retention: props.retention,
      // Kept names would block a redeploy after a tear-down; the logs hold no personal data beyond ids and IPs.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
