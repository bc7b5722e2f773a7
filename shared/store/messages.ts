// Messages (M2, M3, M5): time-ordered ids, items stored beside their client, and history pages newest first with
// the "groups with the previous message" flag. System messages (T10) are for operators only.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Author, Message } from '../domain/messages';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { decodeCursor, type Page, pageOf } from './pagination';
import { queryItems } from './query';

export {
  type Attachment,
  type Author,
  type ContactCard,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type MediaKind,
  type Message,
  type MessageContent,
  type MessageKind,
  newMessageId,
  type SkippedAttachment,
} from '../domain/messages';

export function messageItem(message: Message): Record<string, unknown> {
  return { ...keys.message(message.clientId, message.ticketNumber, message.messageId), type: 'message', ...message };
}

/** A transaction part: a new message (ids are unique, so an existing item means a bug, not a retry). */
export function putMessage(message: Message) {
  return {
    Put: {
      TableName: readConfig().tableName,
      Item: messageItem(message),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export function toMessage(item: Record<string, unknown>): Message {
  const { pk: _pk, sk: _sk, type: _type, ...message } = item;
  return message as unknown as Message;
}

export interface HistoryEntry extends Message {
  /** M5: same author as the previous (older) message and less than a minute after it. */
  groupedWithPrevious: boolean;
}

export type Viewer = 'operator' | 'visitor';

const sameAuthor = (a: Author, b: Author) =>
  a.kind === b.kind &&
  (a.kind !== 'operator' || (b.kind === 'operator' && a.operatorId === b.operatorId)) &&
  (a.kind !== 'bot' || (b.kind === 'bot' && a.name === b.name));

export function groupsWithPrevious(message: Message, previous: Message | undefined): boolean {
  if (!previous || !sameAuthor(message.author, previous.author)) return false;
  return Date.parse(message.createdAt) - Date.parse(previous.createdAt) < 60_000;
}

/**
 * A page of history, newest first. One extra (older) message is read so the page's oldest entry knows whether it
 * groups with the one before it: a page costs its size plus one item.
 */
export async function historyPage(
  clientId: string,
  prefix: string,
  request: { limit: number; cursor?: string | undefined; viewer: Viewer },
): Promise<Page<HistoryEntry>> {
  const pk = keys.client(clientId).pk;
  const startKey = decodeCursor(request.cursor, { pk }, { name: 'sk', prefix });
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': pk,
        ':prefix': prefix,
        ...(request.viewer === 'visitor' ? { ':system': 'system' } : {}),
      },
      ...(request.viewer === 'visitor' ? { FilterExpression: 'kind <> :system' } : {}),
      ScanIndexForward: false,
      Limit: request.limit + 1,
      ExclusiveStartKey: startKey,
    }),
  );
  const messages = Items.map(toMessage);
  const page = messages.slice(0, request.limit);
  const entries = page.map((message, index) => ({
    ...message,
    groupedWithPrevious: groupsWithPrevious(message, messages[index + 1]),
  }));
  const last = Items[request.limit - 1];
  const more = messages.length > request.limit && last;
  return pageOf(entries, more ? { pk: last.pk as string, sk: last.sk as string } : undefined);
}

/** The messages of one ticket written after sequence number `afterSeq` (sync), oldest first. */
export async function messagesAfter(clientId: string, ticketNumber: number, afterSeq: number): Promise<Message[]> {
  const found: Message[] = [];
  const newestFirst = queryItems({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.client(clientId).pk, ':prefix': keys.ticketMessagesPrefix(ticketNumber) },
    ScanIndexForward: false,
  });
  for await (const item of newestFirst) {
    const message = toMessage(item);
    if (message.seq <= afterSeq) break;
    found.push(message);
  }
  return found.reverse();
}

/** How many of a client's latest messages a search by the channel's id reads at most (one Query page). */
const CHANNEL_ID_SEARCH_DEPTH = 200;

/**
 * A message by the channel's own id for it (the target of a reaction or an edit): our replies through the outbound
 * index (GetItem); a client's own message among its latest 200 messages (one Query, newest first, filtered on
 * `externalId`) — channels let clients edit only recent messages (Telegram: 48 hours).
 */
export async function findMessageByChannelId(
  channelId: string,
  clientId: string,
  externalId: string,
): Promise<Message | undefined> {
  const { Item: pointer } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.outboundMessage(channelId, externalId) }),
  );
  if (pointer?.clientId === clientId) {
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: readConfig().tableName,
        Key: keys.message(clientId, pointer.ticketNumber as number, pointer.messageId as string),
        ConsistentRead: true,
      }),
    );
    return Item ? toMessage(Item) : undefined;
  }
  const { Items = [] } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: 'externalId = :externalId',
      ExpressionAttributeValues: {
        ':pk': keys.client(clientId).pk,
        ':prefix': keys.clientMessagesPrefix(),
        ':externalId': externalId,
      },
      ScanIndexForward: false,
      Limit: CHANNEL_ID_SEARCH_DEPTH,
      ConsistentRead: true,
    }),
  );
  const found = Items[0];
  return found ? toMessage(found) : undefined;
}
