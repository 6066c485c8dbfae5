/**
 * The application's DynamoDB table, built from its one definition (`core/table.ts`), which the local runtime also
 * uses: on demand, point-in-time recovery, deletion protection, AWS-managed encryption, retained when the stack goes.
 * Its logical id must never change (a new id is a new, empty table): keep the construct id `AppTable`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { appTable, type KeyAttribute, type TableDefinition } from '../../core/table.js';

/** What a function may do with the table's items: `read`, or `readwrite` (reads and writes). */
export type TableAccess = 'read' | 'readwrite';

export const tableReadActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;
// TransactWriteItems is authorised through these per-item actions; there is no IAM action of its own.
export const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

const dynamoType: Record<KeyAttribute['type'], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
};

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: dynamoType[key.type] };
}

export class AppTable extends TableV2 {
  readonly definition: TableDefinition;

  constructor(scope: Construct, id: string, definition: TableDefinition = appTable) {
    super(scope, id, {
      partitionKey: attribute(definition.partitionKey),
      sortKey: attribute(definition.sortKey),
      globalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      })),
      timeToLiveAttribute: definition.timeToLiveAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryptionV2.awsManagedKey(),
    });
    this.definition = definition;
  }

  /**
   * Lets `grantee` read (or read and write) items of the table and of each of its indexes, named one by one (no
   * `index/*`): one statement, added to its policy.
   */
  grantItems(grantee: IGrantable, access: TableAccess): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...tableReadActions, ...(access === 'readwrite' ? tableWriteActions : [])],
        resources: [
          this.tableArn,
          ...this.definition.globalSecondaryIndexes.map(
            (index) => `${this.tableArn}/index/${index.indexName}`,
          ),
        ],
      }),
    );
  }
}
