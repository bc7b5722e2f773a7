// Live WebSocket connections: stored per connection id with a TTL, listed per principal, pushed to through the
// management API. A push to a connection that has gone away deletes that connection and nothing else (R3).
import { GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, management } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { type Audience, audiencePartition, keys, type PrincipalKey } from '../store/keys';
import { queryAll } from '../store/query';

/** API Gateway closes a WebSocket after 2 hours; the record outlives it briefly so a late $disconnect still finds it. */
export const CONNECTION_MAX_SECONDS = 2 * 60 * 60;
const TTL_SLACK_SECONDS = 5 * 60;
/** Longer than a $connect can run (API Gateway's 29 s integration timeout): until then Gone may mean "not yet". */
export const HANDSHAKE_GRACE_SECONDS = 30;

/** The audiences a live connection joins and leaves after it opened: a client's watchers (C9). */
export type WatchersAudience = `watchers#${string}`;

export interface Connection {
  connectionId: string;
  principal: PrincipalKey;
  /** Everyone this connection listens as: its principal, its groups, staff… Fan-out queries these. */
  audiences: Audience[];
  connectedAt: string;
  sourceIp?: string;
  expiresAt: number;
}

/**
 * The audience entries of a connection: one per audience partition, naming the audiences it stands for (`staff` and
 * `ungrouped` share a partition, so an admin in no group has one entry for both).
 */
function entriesOf(audiences: readonly Audience[]): Array<{ audience: Audience; joins: Audience[] }> {
  const byPartition = new Map<string, Audience[]>();
  for (const audience of audiences) {
    const partition = audiencePartition(audience);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), audience]);
  }
  return [...byPartition.values()].map((joins) => ({ audience: joins[0] as Audience, joins }));
}

/** A connection's entry in one audience partition, standing for the audiences it `joins`. */
function entryItem(connection: Connection, audience: Audience, joins: readonly Audience[]): Record<string, unknown> {
  return {
    ...keys.audienceMember(audience, connection.connectionId),
    type: 'audienceMember',
    connectionId: connection.connectionId,
    principal: connection.principal,
    joins,
    // Presence orders an operator's connections by it to decide which one opened first (shared/realtime/presence.ts).
    connectedAt: connection.connectedAt,
    expiresAt: connection.expiresAt,
  };
}

/** Whether an entry read from an audience's partition is in that audience (an entry with no `joins` is a staff one). */
function inAudience(item: Record<string, unknown>, audience: Audience): boolean {
  return Array.isArray(item.joins) ? item.joins.includes(audience) : audience !== 'ungrouped';
}

export async function recordConnection(
  input: Omit<Connection, 'expiresAt' | 'audiences'> & { audiences?: Audience[] },
): Promise<Connection> {
  const audiences = [...new Set<Audience>([...(input.audiences ?? []), input.principal])];
  const connection: Connection = {
    ...input,
    audiences,
    expiresAt: Math.floor(Date.parse(input.connectedAt) / 1000) + CONNECTION_MAX_SECONDS + TTL_SLACK_SECONDS,
  };
  const { tableName } = readConfig();
  await dynamo().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: { ...keys.connection(connection.connectionId), type: 'connection', ...connection },
          },
        },
        ...entriesOf(audiences).map(({ audience, joins }) => ({
          Put: {
            TableName: tableName,
            Item: entryItem(connection, audience, joins),
          },
        })),
      ],
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

/**
 * Deletes the connection and its audience entries; returns what was stored, if anything. With `openedBefore`, a
 * connection opened at or after that time is left alone (and undefined returned).
 */
export async function removeConnection(
  connectionId: string,
  options: { openedBefore?: Date } = {},
): Promise<Connection | undefined> {
  const { tableName } = readConfig();
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const connection = toConnection(Item);
  if (options.openedBefore && Date.parse(connection.connectedAt) >= options.openedBefore.getTime()) return undefined;
  await dynamo().send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: tableName, Key: keys.connection(connectionId) } },
        ...entriesOf(connection.audiences).map(({ audience }) => ({
          Delete: { TableName: tableName, Key: keys.audienceMember(audience, connectionId) },
        })),
      ],
    }),
  );
  return connection;
}

/**
 * Writes a live connection's audience entries again in the current shape (`npm run lists:rebuild`, after staff and
 * `ungrouped` came to share a partition) and drops its retired `ungrouped` entry. Nothing is written for a connection
 * that closed meanwhile; true when it was rewritten.
 */
export async function relistConnection(connectionId: string): Promise<boolean> {
  const { tableName } = readConfig();
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
  );
  if (!Item || (Item.expiresAt as number) * 1000 < Date.now()) return false;
  const connection = toConnection(Item);
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: tableName,
              Key: keys.connection(connectionId),
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
          ...entriesOf(connection.audiences).map(({ audience, joins }) => ({
            Put: {
              TableName: tableName,
              Item: entryItem(connection, audience, joins),
            },
          })),
          { Delete: { TableName: tableName, Key: keys.retiredUngroupedMember(connectionId) } },
        ],
      }),
    );
    return true;
  } catch (error) {
    // Closed meanwhile: its entries are gone with it.
    if ((error as { name?: string }).name === 'TransactionCanceledException') return false;
    throw error;
  }
}

/**
 * Adds an audience to a live connection (C9: watching a client): its audience entry, and the audience on the
 * connection record so that closing the connection removes the entry too. No-op if the connection is gone or in it.
 */
export async function joinAudience(connectionId: string, audience: WatchersAudience): Promise<void> {
  const { tableName } = readConfig();
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
  );
  if (!Item) return;
  const connection = toConnection(Item);
  if (connection.audiences.includes(audience)) return;
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.connection(connectionId),
              UpdateExpression: 'SET audiences = list_append(audiences, :audience)',
              ConditionExpression: 'attribute_exists(pk) AND NOT contains(audiences, :one)',
              ExpressionAttributeValues: { ':audience': [audience], ':one': audience },
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: entryItem(connection, audience, [audience]),
            },
          },
        ],
      }),
    );
  } catch (error) {
    // Closed or joined meanwhile: either way there is nothing left to do.
    if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
  }
}

/** Takes an audience off a live connection (C9: unwatching); the entry goes even if the record is already gone. */
export async function leaveAudience(connectionId: string, audience: WatchersAudience): Promise<void> {
  const { tableName } = readConfig();
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName, Key: keys.connection(connectionId), ConsistentRead: true }),
  );
  const index = Item ? toConnection(Item).audiences.indexOf(audience) : -1;
  const member = { Delete: { TableName: tableName, Key: keys.audienceMember(audience, connectionId) } };
  if (index < 0) {
    await dynamo().send(new TransactWriteCommand({ TransactItems: [member] }));
    return;
  }
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          member,
          {
            Update: {
              TableName: tableName,
              Key: keys.connection(connectionId),
              UpdateExpression: `REMOVE audiences[${index}]`,
              ConditionExpression: `audiences[${index}] = :audience`,
              ExpressionAttributeValues: { ':audience': audience },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
    // The list moved meanwhile: the entry must still go, so nothing reaches this connection as a watcher any more.
    await dynamo().send(new TransactWriteCommand({ TransactItems: [member] }));
  }
}

/** Live connection ids of one audience (expired entries that TTL has not yet deleted are left out). */
export async function connectionIdsOf(audience: Audience): Promise<string[]> {
  return (await audienceMembersOf(audience)).map((member) => member.connectionId);
}

export interface AudienceMember {
  connectionId: string;
  /** ISO time; empty for entries written before it was stored. */
  connectedAt: string;
  /** Whose connection it is (O3: who is online in a group); every entry has carried it since connections were stored. */
  principal?: PrincipalKey;
}

/**
 * Live connections of one audience with their connection times. `consistentRead` sees every write that finished
 * before the query, which presence needs to tell an operator's first and last connection apart.
 */
export async function audienceMembersOf(
  audience: Audience,
  options: { consistentRead?: boolean } = {},
): Promise<AudienceMember[]> {
  return (await membersByAudience([audience], options)).get(audience) ?? [];
}

/**
 * Live connections of each of some audiences: one Query per audience partition, so audiences sharing one (`staff`
 * and `ungrouped`) cost a single read.
 */
export async function membersByAudience(
  audiences: readonly Audience[],
  options: { consistentRead?: boolean } = {},
): Promise<Map<Audience, AudienceMember[]>> {
  const byPartition = new Map<string, Audience[]>();
  for (const audience of new Set(audiences)) {
    const partition = audiencePartition(audience);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), audience]);
  }
  const now = Math.floor(Date.now() / 1000);
  const reads = await Promise.all(
    [...byPartition].map(([partition, sharing]) =>
      queryAll({
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': partition, ':now': now },
        ProjectionExpression: 'connectionId, connectedAt, joins, principal',
        ConsistentRead: options.consistentRead ?? false,
      }).then((items) => ({ sharing, items })),
    ),
  );
  const members = new Map<Audience, AudienceMember[]>();
  for (const { sharing, items } of reads) {
    for (const audience of sharing) {
      members.set(
        audience,
        items
          .filter((item) => inAudience(item, audience))
          .map((item) => ({
            connectionId: item.connectionId as string,
            connectedAt: typeof item.connectedAt === 'string' ? item.connectedAt : '',
            ...(typeof item.principal === 'string' ? { principal: item.principal as PrincipalKey } : {}),
          })),
      );
    }
  }
  return members;
}

export type PushResult = 'delivered' | 'gone';

/**
 * Posts one frame; a GoneException removes that connection's record (unless it opened within the handshake grace)
 * and reports `gone` instead of failing.
 */
export async function pushFrame(connectionId: string, frame: unknown): Promise<PushResult> {
  return pushFrameBytes(connectionId, frameBytes(frame));
}

/** A frame as posted: serialized once however many connections it goes to. */
export function frameBytes(frame: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(frame));
}

/** pushFrame for a frame serialized already (frameBytes). */
export async function pushFrameBytes(connectionId: string, data: Uint8Array): Promise<PushResult> {
  try {
    await management().send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    return 'delivered';
  } catch (error) {
    if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') {
      // A connection whose $connect is still running is recorded but answers Gone too; removing it would leave a live
      // socket that never hears anything. Young ones are left to their $disconnect (or the TTL).
      await removeConnection(connectionId, { openedBefore: new Date(Date.now() - HANDSHAKE_GRACE_SECONDS * 1000) });
      return 'gone';
    }
    throw error;
  }
}

function toConnection(item: Record<string, unknown>): Connection {
  const connection: Connection = {
    connectionId: item.connectionId as string,
    principal: item.principal as PrincipalKey,
    audiences: (item.audiences as Audience[] | undefined) ?? [],
    connectedAt: item.connectedAt as string,
    expiresAt: item.expiresAt as number,
  };
  if (typeof item.sourceIp === 'string') connection.sourceIp = item.sourceIp;
  return connection;
}
