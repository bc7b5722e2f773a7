// Messages (M2, M3, M5): time-ordered ids, items stored beside their client, and history pages newest first with
// the "groups with the previous message" flag. System messages (T10) are for operators only.
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { OperatorActor } from '../domain/actors';
import type { SystemNote, Ticket } from '../domain/ticket-rules';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { decodeCursor, type Page, pageOf } from './pagination';
import { queryItems } from './query';

export type Author =
  | { kind: 'client' }
  | { kind: 'operator'; operatorId: string }
  | { kind: 'system'; operatorId?: string }
  | { kind: 'bot'; name: string };

export type MessageKind = 'text' | 'image' | 'video' | 'audio' | 'document' | 'system';

/** M3: operator → client delivery, in the order a message moves through it. */
export const DELIVERY_STATUSES = ['queued', 'sent', 'delivered', 'read'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number] | 'failed';

export interface Attachment {
  name: string;
  mimeType: string;
  size: number;
  key: string;
}

/** A1: channel media that could not be copied into S3 (too large, gone from the channel), so operators know of it. */
export interface SkippedAttachment {
  name: string;
  reason: string;
}

export interface Message {
  messageId: string;
  ticketId: string;
  ticketNumber: number;
  clientId: string;
  author: Author;
  kind: MessageKind;
  text?: string;
  attachments?: Attachment[];
  skippedAttachments?: SkippedAttachment[];
  quote?: { messageId: string; preview: string };
  /** Operator messages only. */
  status?: DeliveryStatus;
  failureReason?: string;
  /** System messages: the structured timeline entry. */
  note?: SystemNote;
  /** The channel's own id for this message (dedupe, delivery reports). */
  externalId?: string;
  createdAt: string;
  /** The ticket's sequence number this message was written with. */
  seq: number;
}

let lastStamp = 0;
let sameStampCount = 0;

/** Time-ordered: base-36 milliseconds, a per-process counter for the same millisecond, then randomness. */
export function newMessageId(now: Date): string {
  const stamp = now.getTime();
  sameStampCount = stamp === lastStamp ? sameStampCount + 1 : 0;
  lastStamp = stamp;
  return `${stamp.toString(36).padStart(9, '0')}${sameStampCount.toString(36).padStart(3, '0')}${randomBytes(5).toString('hex')}`;
}

/** T10: a movement as a timeline message, visible to operators only. */
export function systemMessage(ticket: Ticket, note: SystemNote, actor: OperatorActor | undefined, now: Date): Message {
  return {
    messageId: newMessageId(now),
    ticketId: ticket.ticketId,
    ticketNumber: ticket.number,
    clientId: ticket.clientId,
    author: actor ? { kind: 'system', operatorId: actor.operatorId } : { kind: 'system' },
    kind: 'system',
    text: note.text,
    note,
    createdAt: now.toISOString(),
    seq: ticket.seq,
  };
}

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
