// Messages (M2, M3, M5): time-ordered ids, items stored beside their client, and history pages newest first with
// the "groups with the previous message" flag. System messages (T10) are for operators only.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { invalid } from '../domain/errors';
import type { Author, Message } from '../domain/messages';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { type ItemKey, keys, partitionQuery, SEQ_INDEX } from './keys';
import { countWithinBytes, decodeCursor, type Page, pageOf } from './pagination';
import { queryAll } from './query';

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
  return {
    ...keys.message(message.clientId, message.ticketNumber, message.messageId),
    type: 'message',
    ...message,
    [SEQ_INDEX.sortKey]: keys.messageChange(message.ticketNumber, message.seq),
  };
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
  const { pk: _pk, sk: _sk, type: _type, [SEQ_INDEX.sortKey]: _bySeq, ...message } = item;
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
  // R5: long messages end the page early, by bytes, and the cursor resumes right after the last one kept.
  const kept = countWithinBytes(entries);
  const last = Items[kept - 1];
  const more = (kept < entries.length || messages.length > request.limit) && last;
  return pageOf(entries.slice(0, kept), more ? { pk: last.pk as string, sk: last.sk as string } : undefined);
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

/** Every message and note of one ticket, in history order (oldest first): for consumers that file a whole ticket. */
export async function ticketMessages(clientId: string, ticketNumber: number): Promise<Message[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.client(clientId).pk, ':prefix': keys.ticketMessagesPrefix(ticketNumber) },
  });
  return items.map(toMessage);
}

/** One stretch of a client's whole history, newest first (M8 client search reads it directly: no index copy). */
export async function clientHistoryStretch(
  clientId: string,
  request: { startKey?: ItemKey | undefined; limit: number },
): Promise<{ messages: Message[]; lastKey?: ItemKey }> {
  const pk = keys.client(clientId).pk;
  const prefix = keys.clientMessagesPrefix();
  if (request.startKey && (request.startKey.pk !== pk || !request.startKey.sk.startsWith(prefix))) {
    throw invalid('The cursor does not belong to this search.');
  }
  const { Items = [], LastEvaluatedKey } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ScanIndexForward: false,
      Limit: request.limit,
      ExclusiveStartKey: request.startKey,
    }),
  );
  const stretch: { messages: Message[]; lastKey?: ItemKey } = { messages: Items.map(toMessage) };
  if (LastEvaluatedKey) stretch.lastKey = { pk: LastEvaluatedKey.pk as string, sk: LastEvaluatedKey.sk as string };
  return stretch;
}

/** R5: a sync reply stays well under API Gateway's 128 KB frame limit, leaving room for the ticket and the envelope. */
export const SYNC_PAGE_BYTES = 96 * 1024;
const SYNC_QUERY_LIMIT = 100;

export interface ChangesAfter {
  /** Oldest first; each carries the seq of its latest change, so the last one's seq is where the next page starts. */
  messages: Message[];
  /** More changed after the last message returned: ask again from its seq. */
  more: boolean;
}

/**
 * R2: every message and note of one ticket whose latest change (written, or its delivery status moved) came after
 * `afterSeq`, oldest first, whatever their timestamps. A bounded Query on the seq index, strongly consistent, and cut
 * at SYNC_PAGE_BYTES of JSON (at least one message per page) so every reply fits a frame (R5).
 */
export async function changesAfter(
  clientId: string,
  ticketNumber: number,
  afterSeq: number,
  budget = SYNC_PAGE_BYTES,
): Promise<ChangesAfter> {
  const messages: Message[] = [];
  let bytes = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const { Items = [], LastEvaluatedKey } = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        ...partitionQuery(keys.client(clientId).pk, {
          index: SEQ_INDEX,
          sort: {
            between: [keys.messageChange(ticketNumber, afterSeq + 1), keys.messageChange(ticketNumber, MAX_SEQ)],
          },
        }),
        ConsistentRead: true,
        Limit: SYNC_QUERY_LIMIT,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of Items) {
      const message = toMessage(item);
      const size = Buffer.byteLength(JSON.stringify(message));
      if (messages.length > 0 && bytes + size > budget) return { messages, more: true };
      messages.push(message);
      bytes += size;
    }
    startKey = LastEvaluatedKey;
  } while (startKey);
  return { messages, more: false };
}

const MAX_SEQ = 999_999_999_999;
