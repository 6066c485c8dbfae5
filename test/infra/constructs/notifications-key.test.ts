import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { NotificationsKey } from '../../../infra/constructs/notifications-key.js';
import { constructTestStack, logicalId, type Statement } from '../support.js';

describe('NotificationsKey', () => {
  it('is a rotated key SES and CloudWatch of this account may use to publish to the topics', () => {
    const stack = constructTestStack();
    const key = new NotificationsKey(stack, 'NotificationsKey');
    const json = Template.fromStack(stack).toJSON() as {
      Resources: Record<
        string,
        {
          Properties: {
            EnableKeyRotation: boolean;
            PendingWindowInDays: number;
            KeyPolicy: { Statement: Statement[] };
          };
        }
      >;
    };
    const properties = json.Resources[logicalId(key)]!.Properties;
    expect(properties).toMatchObject({ EnableKeyRotation: true, PendingWindowInDays: 7 });
    const publishing = properties.KeyPolicy.Statement.find((s) => s.Sid === 'AllowPublishingServices');
    expect(publishing).toEqual({
      Sid: 'AllowPublishingServices',
      Effect: 'Allow',
      Principal: { Service: ['ses.amazonaws.com', 'cloudwatch.amazonaws.com'] },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(logicalId(key)).toBe('NotificationsKey74C0825E');
  });
});
