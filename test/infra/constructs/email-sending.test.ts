import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { EmailSending, type EmailSendingProps } from '../../../infra/constructs/email-sending.js';
import { NotificationsKey } from '../../../infra/constructs/notifications-key.js';
import { constructTestStack, logicalId, ofType, resourcesOf, roleStatements } from '../support.js';

function build(props: Partial<EmailSendingProps> = {}) {
  const stack = constructTestStack({ env: { account: '123456789012', region: 'eu-west-2' } });
  const key = new NotificationsKey(stack, 'NotificationsKey');
  const email = new EmailSending(stack, 'Email', {
    senderEmail: 'alumni@newtheatre.example',
    encryptionKey: key,
    ...props,
  });
  return { stack, key, email };
}

describe('EmailSending', () => {
  it('reports bounces and complaints through the configuration set to an encrypted, exported topic', () => {
    const { stack, email, key } = build();
    const resources = resourcesOf(stack);
    const [setId, set] = ofType(resources, 'AWS::SES::ConfigurationSet')[0]!;
    expect(set.Properties).toMatchObject({
      ReputationOptions: { ReputationMetricsEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    const [, destination] = ofType(resources, 'AWS::SES::ConfigurationSetEventDestination')[0]!;
    expect(destination.Properties).toMatchObject({
      ConfigurationSetName: { Ref: setId },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: ['bounce', 'complaint'],
        SnsDestination: { TopicARN: { Ref: logicalId(email.feedbackTopic) } },
      },
    });
    expect(resources[logicalId(email.feedbackTopic)]!.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [logicalId(key), 'Arn'],
    });
    expect(Template.fromStack(stack).toJSON().Outputs).toMatchObject({
      EmailFeedbackTopicArn: { Export: { Name: 'Test-EmailFeedbackTopicArn' } },
      EmailConfigurationSetName: { Value: { Ref: setId } },
    });
  });

  it('creates the address identity by default, a domain identity with DKIM outputs, or none', () => {
    const address = build().stack;
    Template.fromStack(address).hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'alumni@newtheatre.example',
    });
    const domain = build({ sesIdentity: 'newtheatre.example' }).stack;
    Template.fromStack(domain).hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'newtheatre.example',
    });
    expect(Object.keys(Template.fromStack(domain).toJSON().Outputs as object)).toEqual(
      expect.arrayContaining([
        'SenderIdentityDkimRecord1',
        'SenderIdentityDkimRecord2',
        'SenderIdentityDkimRecord3',
      ]),
    );
    Template.fromStack(build({ sesIdentityExists: true }).stack).resourceCountIs(
      'AWS::SES::EmailIdentity',
      0,
    );
  });

  it('refuses a sender that is not a plain address, and an identity that does not cover it', () => {
    expect(() => build({ senderEmail: 'Alumni <alumni@newtheatre.example>' })).toThrow(/senderEmail/);
    expect(() => build({ sesIdentity: 'elsewhere.example' })).toThrow(/sesIdentity/);
    expect(() => build({ sesIdentity: 'example' })).not.toThrow();
  });

  it('grants sending from the sender address only, on its identities and the configuration set', () => {
    const { stack, email } = build({ sesIdentity: 'example' });
    const role = new Role(stack, 'Sender', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    email.grantSend(role);
    const [statement] = roleStatements(resourcesOf(stack), logicalId(role));
    expect(statement!.Action).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(statement!.Condition).toEqual({
      StringEquals: { 'ses:FromAddress': 'alumni@newtheatre.example' },
    });
    const resources = JSON.stringify(statement!.Resource);
    for (const identity of ['alumni@newtheatre.example', 'newtheatre.example', 'example']) {
      expect(resources).toContain(`:ses:eu-west-2:123456789012:identity/${identity}"`);
    }
    expect(resources).toContain(':configuration-set/');
  });

  it('keeps the stack-level ids', () => {
    const { stack, email } = build();
    // The ids are kept when the stack synthesises.
    Template.fromStack(stack);
    expect(logicalId(email.feedbackTopic)).toBe('EmailFeedbackTopicA75409CD');
    expect(logicalId(email.configurationSet)).toBe('EmailConfigurationSet096C0FB5');
    expect(logicalId(email.identity!)).toBe('SenderIdentity5AECAF6F');
  });
});
