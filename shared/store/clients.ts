// Clients: the people who write to support, identified per channel (C1) and typed by how they reached us (C2).
import { createHash } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { notFound } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { INDEXES, keys, TTL_ATTRIBUTE } from './keys';

export type ClientType = 'channel' | 'crm' | 'internal';

export interface ChatClient {
  clientId: string;
  channelId: string;
  /** The channel's own user id (Telegram chat id, WhatsApp phone, widget visitor id, API user id). */
  externalId: string;
  type: ClientType;
  /** The name the channel gave; kept even after an operator renames the client. */
  originalName: string;
  name: string;
  createdAt: string;
}

/** C1: a client is its channel plus the channel's user id, so its id is derived, never looked up. */
export function clientIdFor(channelId: string, externalId: string): string {
  return `cl_${createHash('sha256').update(`${channelId}\u0000${externalId}`).digest('base64url').slice(0, 22)}`;
}

export function clientItem(client: ChatClient): Record<string, unknown> {
  const { type: clientType, ...rest } = client;
  return { ...keys.client(client.clientId), type: 'client', ...rest, clientType };
}

/**
 * The client with its T12 ticket count (how many tickets it has had), and for a widget visitor's client its expiry
 * while it has never written and when its session ended (shared/realtime/visitors.ts).
 */
export async function getClient(
  clientId: string,
): Promise<(ChatClient & { ticketCount: number; expiresAt?: number; sessionEndedAt?: string }) | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.client(clientId) }),
  );
  if (!Item) return undefined;
  return {
    clientId: Item.clientId,
    channelId: Item.channelId,
    externalId: Item.externalId,
    type: Item.clientType,
    originalName: Item.originalName,
    name: Item.name,
    createdAt: Item.createdAt,
    ticketCount: Item.ticketCount ?? 0,
    ...(typeof Item[TTL_ATTRIBUTE] === 'number' ? { expiresAt: Item[TTL_ATTRIBUTE] as number } : {}),
    ...(Item.sessionEndedAt ? { sessionEndedAt: Item.sessionEndedAt as string } : {}),
  };
}

/** The attributes of the client's Blacklist-tab row (INDEXES.listings), as expression names. */
const LISTED = { '#lp': INDEXES.listings.partitionKey, '#ls': INDEXES.listings.sortKey };

/**
 * C6: the client item's write that blacklists it (it joins the Blacklist tab); closing its open ticket `open` (T8)
 * happens in the same write, so the client has no open ticket any more.
 */
export function blacklistClientStep(clientId: string, by: string, at: string, open: number | undefined) {
  const listing = keys.blacklistListing(at, clientId);
  const closing = open !== undefined;
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: `SET blacklisted = :yes, blacklistedAt = :at, blacklistedBy = :by, #lp = :pk, #ls = :sk${closing ? ' REMOVE openTicketNumber' : ''}`,
      ConditionExpression: `attribute_not_exists(blacklisted)${closing ? ' AND openTicketNumber = :open' : ''}`,
      ExpressionAttributeNames: LISTED,
      ExpressionAttributeValues: {
        ':yes': true,
        ':at': at,
        ':by': by,
        ':pk': listing[LISTED['#lp']],
        ':sk': listing[LISTED['#ls']],
        ...(closing ? { ':open': open } : {}),
      },
    },
  };
}

/** C6: the client leaves the blacklist (and the Blacklist tab). */
export function unblockClientStep(clientId: string) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: 'REMOVE blacklisted, blacklistedAt, blacklistedBy, #lp, #ls',
      ConditionExpression: 'blacklisted = :yes',
      ExpressionAttributeNames: LISTED,
      ExpressionAttributeValues: { ':yes': true },
    },
  };
}

/** C5: the client is pinned to an operator. */
export function pinClientStep(clientId: string, operatorId: string, pinnedBefore: string | undefined) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: 'SET pinnedTo = :op',
      // C5: conditioned on the pin the decision was made from; a pin changed meanwhile is decided afresh.
      ConditionExpression: pinnedBefore
        ? 'attribute_exists(pk) AND pinnedTo = :was'
        : 'attribute_exists(pk) AND attribute_not_exists(pinnedTo)',
      ExpressionAttributeValues: { ':op': operatorId, ...(pinnedBefore ? { ':was': pinnedBefore } : {}) },
    },
  };
}

/** C5: the pin goes, only if it is still the one that was read. */
export function unpinClientStep(clientId: string, pinnedTo: string) {
  return {
    Update: {
      TableName: readConfig().tableName,
      Key: keys.client(clientId),
      UpdateExpression: 'REMOVE pinnedTo',
      ConditionExpression: 'pinnedTo = :op',
      ExpressionAttributeValues: { ':op': pinnedTo },
    },
  };
}

/** C7: what operators keep about a client beyond its identity. */
export interface ClientDetails {
  vip?: boolean;
  bad?: boolean;
  phone?: string;
  email?: string;
  /** Free CRM attributes: string keys and values, bounded in number and length. */
  attributes?: Record<string, string>;
}

/** C1/C5/C6/C7: the client as its profile shows it. */
export interface ClientProfile extends ChatClient, ClientDetails {
  pinnedTo?: string;
  blacklisted?: boolean;
  ticketCount: number;
  updatedAt?: string;
}

export type ClientPatch = { name?: string } & {
  [K in keyof ClientDetails]?: ClientDetails[K] | null;
};

const DETAIL_FIELDS = ['vip', 'bad', 'phone', 'email', 'attributes'] as const satisfies ReadonlyArray<
  keyof ClientDetails
>;

export function toClientProfile(item: Record<string, unknown>): ClientProfile {
  const profile: ClientProfile = {
    clientId: item.clientId as string,
    channelId: item.channelId as string,
    externalId: item.externalId as string,
    type: item.clientType as ClientType,
    originalName: item.originalName as string,
    name: item.name as string,
    createdAt: item.createdAt as string,
    ticketCount: (item.ticketCount as number | undefined) ?? 0,
  };
  for (const field of DETAIL_FIELDS) if (item[field] !== undefined) Object.assign(profile, { [field]: item[field] });
  if (typeof item.pinnedTo === 'string') profile.pinnedTo = item.pinnedTo;
  if (item.blacklisted === true) profile.blacklisted = true;
  if (typeof item.profileUpdatedAt === 'string') profile.updatedAt = item.profileUpdatedAt;
  return profile;
}

export async function getClientProfile(clientId: string): Promise<ClientProfile | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.client(clientId), ConsistentRead: true }),
  );
  return Item ? toClientProfile(Item) : undefined;
}

/**
 * C1/C7: sets the given fields (null removes one); the channel's original name is never touched. Returns the profile
 * as written.
 */
export async function updateClientDetails(clientId: string, patch: ClientPatch, at: Date): Promise<ClientProfile> {
  const sets: string[] = ['profileUpdatedAt = :at'];
  const removes: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':at': at.toISOString() };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) removes.push(`#${field}`);
    else {
      sets.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  try {
    const { Attributes } = await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.client(clientId),
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toClientProfile(Attributes ?? {});
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      throw notFound(`Client ${clientId} does not exist.`);
    }
    throw error;
  }
}
