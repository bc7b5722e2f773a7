// Live WebSocket connections: stored per connection id with a TTL, listed per principal, pushed to through the
// management API. A push to a connection that has gone away deletes that connection and nothing else (R3).
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, management } from './clients';
import { readConfig } from './config';
import { keys, type PrincipalKey } from './keys';

/** API Gateway closes a WebSocket after 2 hours; the record outlives it briefly so a late $disconnect still finds it. */
export const CONNECTION_MAX_SECONDS = 2 * 60 * 60;
const TTL_SLACK_SECONDS = 5 * 60;

export interface Connection {
  connectionId: string;
  principal: PrincipalKey;
  connectedAt: string;
  sourceIp?: string;
  expiresAt: number;
}

export async function recordConnection(input: Omit<Connection, 'expiresAt'>): Promise<Connection> {
  const connection: Connection = {
    ...input,
    expiresAt: Math.floor(Date.parse(input.connectedAt) / 1000) + CONNECTION_MAX_SECONDS + TTL_SLACK_SECONDS,
  };
  await dynamo().send(
    new PutCommand({
      TableName: readConfig().tableName,
      Item: {
        ...keys.connection(connection.connectionId),
        ...keys.connectionInPrincipal(connection.principal, connection.connectionId),
        type: 'connection',
        ...connection,
      },
    }),
  );
  return connection;
}

export async function findConnection(connectionId: string): Promise<Connection | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.connection(connectionId) }),
  );
  if (!Item || (Item.expiresAt as number) * 1000 < Date.now()) return undefined;
  return toConnection(Item);
}

export async function removeConnection(connectionId: string): Promise<Connection | undefined> {
  const { Attributes } = await dynamo().send(
    new DeleteCommand({
      TableName: readConfig().tableName,
      Key: keys.connection(connectionId),
      ReturnValues: 'ALL_OLD',
    }),
  );
  return Attributes ? toConnection(Attributes) : undefined;
}

/** Live connections of one principal (expired records that TTL has not yet deleted are left out). */
export async function connectionsOf(principal: PrincipalKey): Promise<Connection[]> {
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      FilterExpression: 'expiresAt > :now',
      ExpressionAttributeValues: { ':pk': keys.connectionsOf(principal).gsi1pk, ':now': Math.floor(Date.now() / 1000) },
    }),
  );
  return Items.map(toConnection);
}

export type PushResult = 'delivered' | 'gone';

/** Posts one frame; a GoneException removes that connection's record and reports `gone` instead of failing. */
export async function pushFrame(connectionId: string, frame: unknown): Promise<PushResult> {
  try {
    await management().send(
      new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }),
    );
    return 'delivered';
  } catch (error) {
    if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') {
      await removeConnection(connectionId);
      return 'gone';
    }
    throw error;
  }
}

function toConnection(item: Record<string, unknown>): Connection {
  const connection: Connection = {
    connectionId: item.connectionId as string,
    principal: item.principal as PrincipalKey,
    connectedAt: item.connectedAt as string,
    expiresAt: item.expiresAt as number,
  };
  if (typeof item.sourceIp === 'string') connection.sourceIp = item.sourceIp;
  return connection;
}
