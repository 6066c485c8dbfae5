/**
 * The key that encrypts the alarm and email feedback topics. A customer managed key, because SES and CloudWatch can
 * publish to an encrypted topic only with a key whose policy lets them (the AWS managed SNS key does not).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export class NotificationsKey extends Key {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      description: 'Encrypts the alarm and email feedback topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPublishingServices',
        principals: [
          new ServicePrincipal('ses.amazonaws.com'),
          new ServicePrincipal('cloudwatch.amazonaws.com'),
        ],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        // In a key policy `*` means this key.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }
}
