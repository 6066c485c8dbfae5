import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { AppTable } from '../../../infra/constructs/app-table.js';
import { appTable, type TableDefinition } from '../../../core/table.js';
import { constructTestStack, logicalId, resourcesOf, roleStatements } from '../support.js';

describe('AppTable', () => {
  it('is the shared definition: keys, indexes and TTL; on demand, PITR, deletion protection, retained', () => {
    const stack = constructTestStack();
    new AppTable(stack, 'AppTable');
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: appTable.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        Replicas: [
          {
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          },
        ],
      },
    });
  });

  it('builds from another definition (number keys, no index)', () => {
    const stack = constructTestStack();
    const definition: TableDefinition = {
      partitionKey: { name: 'id', type: 'N' },
      sortKey: { name: 'at', type: 'N' },
      globalSecondaryIndexes: [],
      timeToLiveAttribute: 'ttl',
    };
    new AppTable(stack, 'Other', definition);
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'N' },
        { AttributeName: 'at', AttributeType: 'N' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('grants item reads, or reads and writes, on the table and each index by name', () => {
    const stack = constructTestStack();
    const table = new AppTable(stack, 'AppTable');
    const reader = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const writer = new Role(stack, 'Writer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    table.grantItems(reader, 'read');
    table.grantItems(writer, 'readwrite');
    const resources = resourcesOf(stack);
    const tableArn = { 'Fn::GetAtt': [logicalId(table), 'Arn'] };
    const indexArn = (name: string) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] });
    const reads = [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:ConditionCheckItem',
    ];
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    const everywhere = [tableArn, indexArn('gsi1'), indexArn('gsi2')];
    expect(roleStatements(resources, logicalId(reader))).toEqual([
      { Effect: 'Allow', Action: reads, Resource: everywhere },
    ]);
    expect(roleStatements(resources, logicalId(writer))).toEqual([
      { Effect: 'Allow', Action: [...reads, ...writes], Resource: everywhere },
    ]);
  });
});
