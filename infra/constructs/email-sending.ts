/**
 * Email sending through SES: every email goes through one configuration set (the identity's default), which reports
 * bounces and complaints to the feedback topic and keeps bounced and complaining addresses on the suppression list.
 * It creates the sender identity (the address, its domain or a parent domain) unless it already exists, and grants
 * sending from the one sender address only.
 *
 * Logical ids: its resources keep the stack-level ids they had before the construct existed (`EmailFeedbackTopic`,
 * `EmailConfigurationSet`, `SenderIdentity`, ...).
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { keepStackLevelIds } from './logical-ids.js';

export interface EmailSendingProps {
  /** The From address of every email. It, or its domain, must be a verified SES identity. */
  senderEmail: string;
  /** The SES identity to create: `senderEmail`, or its domain or a parent domain. Default `senderEmail`. */
  sesIdentity?: string;
  /** The identity already exists in the account: use it, do not create it. */
  sesIdentityExists?: boolean;
  /** Encrypts the feedback topic; SES must be allowed to use it. */
  encryptionKey: IKey;
}

export const sendEmailActions = ['ses:SendEmail', 'ses:SendRawEmail'] as const;

export class EmailSending extends Construct {
  readonly senderEmail: string;
  /** SES bounce and complaint notifications (exported for a later consumer). */
  readonly feedbackTopic: Topic;
  readonly configurationSet: ConfigurationSet;
  /** The identity created here; undefined when it already existed. */
  readonly identity?: EmailIdentity;
  private readonly sendStatement: PolicyStatement;

  constructor(scope: Construct, id: string, props: EmailSendingProps) {
    super(scope, id);
    keepStackLevelIds(this);
    const stack = Stack.of(this);
    if (!/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/.test(props.senderEmail)) {
      throw new Error(`senderEmail must be a plain email address, got "${props.senderEmail}"`);
    }
    this.senderEmail = props.senderEmail;
    const senderDomain = props.senderEmail.slice(props.senderEmail.indexOf('@') + 1).toLowerCase();
    const sesIdentity = (props.sesIdentity ?? props.senderEmail).toLowerCase();
    if (
      sesIdentity !== props.senderEmail.toLowerCase() &&
      sesIdentity !== senderDomain &&
      !senderDomain.endsWith(`.${sesIdentity}`)
    ) {
      throw new Error(`sesIdentity must be senderEmail, its domain or a parent domain, got "${sesIdentity}"`);
    }

    this.feedbackTopic = new Topic(this, 'EmailFeedbackTopic', {
      displayName: 'Lumina email bounces and complaints',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.configurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.configurationSet.addEventDestination('EmailFeedback', {
      destination: EventDestination.snsTopic(this.feedbackTopic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    if (!props.sesIdentityExists) {
      const isDomain = !sesIdentity.includes('@');
      this.identity = new EmailIdentity(this, 'SenderIdentity', {
        identity: isDomain ? Identity.domain(sesIdentity) : Identity.email(sesIdentity),
        configurationSet: this.configurationSet,
      });
      if (isDomain) {
        this.identity.dkimRecords.forEach((record, index) => {
          new CfnOutput(this, `SenderIdentityDkimRecord${index + 1}`, {
            description: 'A DKIM CNAME record to publish in DNS for the sender domain',
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
    }
    // SES authorises a send against the identity that verified the sender: the address itself, its domain or a
    // parent domain; and against the configuration set the email uses.
    this.sendStatement = new PolicyStatement({
      actions: [...sendEmailActions],
      resources: [
        ...[...new Set([props.senderEmail.toLowerCase(), senderDomain, sesIdentity])].map((identity) =>
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
        ),
        stack.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: this.configurationSet.configurationSetName,
        }),
      ],
      conditions: { StringEquals: { 'ses:FromAddress': props.senderEmail } },
    });

    new CfnOutput(this, 'EmailConfigurationSetName', { value: this.configurationSet.configurationSetName });
    new CfnOutput(this, 'EmailFeedbackTopicArn', {
      value: this.feedbackTopic.topicArn,
      description: 'SES bounce and complaint notifications',
      exportName: `${stack.stackName}-EmailFeedbackTopicArn`,
    });
  }

  /** Lets `grantee` send email from the sender address, through the configuration set, and nothing else. */
  grantSend(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(this.sendStatement);
  }
}
