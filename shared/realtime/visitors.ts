// Widget visitors: an anonymous session per visitor, bound to one client of one widget channel, and the opaque
// token the visitor connects with. Only a hash of the token is stored. A session's client expires (DynamoDB TTL)
// unless the visitor writes; a visitor may end its session, which revokes its token.
import { createHash, randomBytes } from 'node:crypto';
import { BlockList, isIPv6 } from 'node:net';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeClientName } from '../domain/client-names';
import { forbidden, notFound, unauthorized } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import type { ChannelConfig } from '../store/channels';
import { type ChatClient, clientIdFor, clientItem, getClient } from '../store/clients';
import { keys, TTL_ATTRIBUTE } from '../store/keys';
import { consumeRate } from '../store/rate-limits';
import { isConditionFailure } from '../store/transactions';

export const VISITOR_TOKEN_PREFIX = 'vt_';
export const VISITOR_TOKEN_DAYS = 30;
/** A session's client that never wrote is deleted by DynamoDB's TTL this long after the session began. */
export const UNWRITTEN_CLIENT_HOURS = 24;
/** Stored on the session's client: its token's hash, so ending the session can revoke the token. */
const TOKEN_HASH = 'visitorTokenHash';

export interface VisitorSession {
  clientId: string;
  channelId: string;
  name: string;
  visitorToken: string;
  expiresAt: string;
}

export interface StartSessionInput {
  channel: ChannelConfig | undefined;
  sourceIp: string;
  name?: string | undefined;
  /** A token from an earlier session of this browser: the visitor keeps its chat. */
  resumeToken?: string | undefined;
  sessionsPerIpPerMinute: number;
  now: Date;
}

/** C6: a visitor's address against the channel's blocked addresses and CIDR ranges. */
export function isBlocked(blocked: readonly string[], ip: string): boolean {
  const list = new BlockList();
  for (const entry of blocked) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function startVisitorSession(input: StartSessionInput): Promise<VisitorSession> {
  const { channel, now } = input;
  if (channel?.kind !== 'widget' || !channel.enabled) throw notFound('No such widget channel.');
  if (isBlocked(channel.settings.blockedIps ?? [], input.sourceIp)) throw forbidden('Chat is not available.');
  await consumeRate(
    { scope: 'widget-session', limit: input.sessionsPerIpPerMinute, windowSeconds: 60 },
    input.sourceIp,
    now,
  );
  if (input.resumeToken) {
    const visitor = await verifyVisitorToken(input.resumeToken);
    const client = visitor?.channelId === channel.channelId ? await getClient(visitor.clientId) : undefined;
    if (visitor && client && isLiveVisitorClient(client, now)) {
      return {
        clientId: client.clientId,
        channelId: channel.channelId,
        name: client.name,
        visitorToken: input.resumeToken,
        expiresAt: visitor.expiresAt,
      };
    }
  }
  const visitorId = `v_${randomBytes(10).toString('hex')}`;
  const clientId = clientIdFor(channel.channelId, visitorId);
  const name = input.name?.trim() ? normalizeClientName(input.name) : `Visitor ${visitorId.slice(2, 6).toUpperCase()}`;
  const client: ChatClient = {
    clientId,
    channelId: channel.channelId,
    externalId: visitorId,
    type: 'internal',
    originalName: name,
    name,
    createdAt: now.toISOString(),
  };
  const visitorToken = `${VISITOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const expires = new Date(now.getTime() + VISITOR_TOKEN_DAYS * 86_400_000);
  const { tableName } = readConfig();
  const unwritten = {
    ...clientItem(client),
    [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + UNWRITTEN_CLIENT_HOURS * 3600,
    [TOKEN_HASH]: hashToken(visitorToken),
  };
  await dynamo().send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName, Item: unwritten, ConditionExpression: 'attribute_not_exists(pk)' } },
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.visitorToken(hashToken(visitorToken)),
              type: 'visitorToken',
              clientId,
              channelId: channel.channelId,
              expiresAt: Math.floor(expires.getTime() / 1000),
            },
          },
        },
      ],
    }),
  );
  return { clientId, channelId: channel.channelId, name, visitorToken, expiresAt: expires.toISOString() };
}

export interface VerifiedVisitor {
  clientId: string;
  channelId: string;
  expiresAt: string;
}

/** The visitor a token belongs to, or undefined for an unknown, malformed or expired token. */
export async function verifyVisitorToken(token: string): Promise<VerifiedVisitor | undefined> {
  if (!token.startsWith(VISITOR_TOKEN_PREFIX) || token.length > 200) return undefined;
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.visitorToken(hashToken(token)) }),
  );
  if (!Item || (Item.expiresAt as number) * 1000 <= Date.now()) return undefined;
  return {
    clientId: Item.clientId,
    channelId: Item.channelId,
    expiresAt: new Date((Item.expiresAt as number) * 1000).toISOString(),
  };
}

/** A session's client still usable: not ended, and not past an expiry that DynamoDB's TTL has yet to act on. */
export function isLiveVisitorClient(client: { sessionEndedAt?: string; expiresAt?: number }, now: Date): boolean {
  if (client.sessionEndedAt) return false;
  return client.expiresAt === undefined || client.expiresAt * 1000 > now.getTime();
}

/**
 * Ends the visitor's session: its token is deleted, so no socket can be opened and no session resumed with it, and the
 * client is marked ended, so sockets still open are refused on their next action. Its chat stays with the operators.
 * Throws `unauthorized` when the session had already ended.
 */
export async function endVisitorSession(clientId: string, now: Date): Promise<void> {
  const { tableName } = readConfig();
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: tableName, Key: keys.client(clientId), ConsistentRead: true }),
  );
  if (!Item || Item.sessionEndedAt) throw unauthorized('This chat session has already ended; start a new one.');
  const tokenHash = Item[TOKEN_HASH] as string | undefined;
  try {
    await dynamo().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.client(clientId),
              UpdateExpression: 'SET sessionEndedAt = :at REMOVE #hash',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sessionEndedAt)',
              ExpressionAttributeNames: { '#hash': TOKEN_HASH },
              ExpressionAttributeValues: { ':at': now.toISOString() },
            },
          },
          ...(tokenHash ? [{ Delete: { TableName: tableName, Key: keys.visitorToken(tokenHash) } }] : []),
        ],
      }),
    );
  } catch (error) {
    // Ended meanwhile from another socket: the outcome the visitor asked for.
    if (isConditionFailure(error)) throw unauthorized('This chat session has already ended; start a new one.');
    throw error;
  }
}
