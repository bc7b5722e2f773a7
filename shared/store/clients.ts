// Clients: the people who write to support, identified per channel (C1) and typed by how they reached us (C2).
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';

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

export async function getClient(clientId: string): Promise<ChatClient | undefined> {
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
  };
}
