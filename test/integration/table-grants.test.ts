// X2 in the local stack: every function's table requests are held to its route rows' item families, as IAM holds
// them in AWS, so a request outside a function's grants fails here too (and changes nothing).
import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAsFunction } from '../../infra/local/table-grants';
import { dynamo } from '../../shared/platform/aws-clients';
import { keys, tableDefinition } from '../../shared/store/keys';
import { useTestTable } from '../support/table';

const HEALTH = 'functions/http/health.ts';
const WIDGET_SESSION = 'functions/http/widget-session.ts';
const CHANNELS_ADMIN = 'functions/http/admin/channels.ts';
const WEBHOOK = 'functions/http/channel-webhook.ts';

let tableName: string;

beforeAll(async () => {
  ({ tableName } = await useTestTable());
});

const denied = { name: 'AccessDeniedException' };

describe('X2: the local stack enforces each function’s table grants', () => {
  it('X2: /health may read its probe but not write it, and its refused write stores nothing', async () => {
    const probe = keys.connection('health-probe');
    await runAsFunction(HEALTH, () => dynamo().send(new GetCommand({ TableName: tableName, Key: probe })));
    await expect(
      runAsFunction(HEALTH, () =>
        dynamo().send(new PutCommand({ TableName: tableName, Item: { ...probe, type: 'connection' } })),
      ),
    ).rejects.toMatchObject(denied);
    const { Item } = await dynamo().send(new GetCommand({ TableName: tableName, Key: probe }));
    expect(Item).toBeUndefined();
  });

  it('X2: a function outside the readers is refused channel secrets; the webhook reads them', async () => {
    const secret = keys.channelSecret('ch-1');
    await dynamo().send(new PutCommand({ TableName: tableName, Item: { ...secret, webhookSecret: 's3cr3t' } }));
    await expect(
      runAsFunction(WIDGET_SESSION, () => dynamo().send(new GetCommand({ TableName: tableName, Key: secret }))),
    ).rejects.toMatchObject(denied);
    const { Item } = await runAsFunction(WEBHOOK, () =>
      dynamo().send(new GetCommand({ TableName: tableName, Key: secret })),
    );
    expect(Item?.webhookSecret).toBe('s3cr3t');
  });

  it('X2: the channel admin writes a secret blind: no read, no returned values', async () => {
    const secret = keys.channelSecret('ch-2');
    await runAsFunction(CHANNELS_ADMIN, () =>
      dynamo().send(new PutCommand({ TableName: tableName, Item: { ...secret, webhookSecret: 'first' } })),
    );
    await expect(
      runAsFunction(CHANNELS_ADMIN, () =>
        dynamo().send(
          new PutCommand({ TableName: tableName, Item: { ...secret, webhookSecret: 'x' }, ReturnValues: 'ALL_OLD' }),
        ),
      ),
    ).rejects.toMatchObject(denied);
    await expect(
      runAsFunction(CHANNELS_ADMIN, () => dynamo().send(new GetCommand({ TableName: tableName, Key: secret }))),
    ).rejects.toMatchObject(denied);
    const { Item } = await dynamo().send(new GetCommand({ TableName: tableName, Key: secret }));
    expect(Item?.webhookSecret).toBe('first');
  });

  it('X2: a transaction touching one family outside the grants is refused whole', async () => {
    const client = keys.client('c-1');
    await expect(
      runAsFunction(WIDGET_SESSION, () =>
        dynamo().send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: { ...client, type: 'client' } } },
              { Put: { TableName: tableName, Item: { ...keys.ticketCounter(), lastNumber: 1 } } },
            ],
          }),
        ),
      ),
    ).rejects.toMatchObject(denied);
    const { Item } = await dynamo().send(new GetCommand({ TableName: tableName, Key: client }));
    expect(Item).toBeUndefined();
  });

  it('X2: an index Query is judged by the index partition it names', async () => {
    const [listings] = tableDefinition.indexes;
    const query = (partition: string) =>
      new QueryCommand({
        TableName: tableName,
        IndexName: listings?.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': listings?.partitionKey as string },
        ExpressionAttributeValues: { ':pk': partition },
      });
    // The groups admin lists groups; channels are no business of it.
    await runAsFunction('functions/http/admin/groups.ts', () => dynamo().send(query(keys.groups())));
    await expect(
      runAsFunction('functions/http/admin/groups.ts', () => dynamo().send(query(keys.channels()))),
    ).rejects.toMatchObject(denied);
  });

  it('X2: no function may Scan', async () => {
    await expect(
      runAsFunction('functions/ws/operator-action.ts', () => dynamo().send(new ScanCommand({ TableName: tableName }))),
    ).rejects.toMatchObject(denied);
  });
});
