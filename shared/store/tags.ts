// Message tags (M7) in the table: the tag list with exact counts (TAGS partition), one link item per tagged message
// (TAGGED#<tag key>, newest first by the message's time-ordered id), and the tag names on the message itself. All
// three change in one transaction, so a count always equals its links.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys, SEQ_INDEX } from './keys';
import type { Message } from './messages';
import { decodeCursor, type Page, type PageRequest, pageOf } from './pagination';
import { stale, type TransactStep } from './transactions';

/** A message carries at most this many tags. */
export const MAX_TAGS_PER_MESSAGE = 20;

export interface Tag {
  /** As first written; later spellings that differ only in case join it. */
  name: string;
  /** How many messages carry it: exact (changed in the tagging transaction). */
  count: number;
  createdAt: string;
  createdBy: string;
}

export interface TaggedMessageLink {
  messageId: string;
  clientId: string;
  ticketNumber: number;
  ticketId: string;
}

const toTag = (item: Record<string, unknown>): Tag => ({
  name: item.name as string,
  count: (item.messageCount as number | undefined) ?? 0,
  createdAt: item.createdAt as string,
  createdBy: item.createdBy as string,
});

export async function getTag(tagKey: string): Promise<Tag | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.tag(tagKey), ConsistentRead: true }),
  );
  return Item ? toTag(Item) : undefined;
}

/**
 * The writes of a tagging, committed with its ticket's change: each message gains the tag and the ticket's next `seq`
 * (so `sync` hands it over again, R2), a link item is written per message, and the tag's count grows by their number;
 * the tag is created by the first tagging. A message changed meanwhile fails its condition, and the caller retries
 * from a fresh read.
 */
export function taggingSteps(
  tagKey: string,
  name: string,
  messages: readonly Message[],
  by: string,
  at: Date,
  seq: number,
): TransactStep[] {
  const table = readConfig().tableName;
  const steps: TransactStep[] = messages.flatMap((message) => [
    stale({
      Update: {
        TableName: table,
        Key: keys.message(message.clientId, message.ticketNumber, message.messageId),
        // The link item below is the guard against a second tagging of the message (whatever the spelling).
        UpdateExpression: `SET tags = list_append(if_not_exists(tags, :none), :names), seq = :seq, ${SEQ_INDEX.sortKey} = :change`,
        ConditionExpression: 'seq = :was AND (attribute_not_exists(tags) OR size(tags) < :max)',
        ExpressionAttributeValues: {
          ':none': [],
          ':names': [name],
          ':max': MAX_TAGS_PER_MESSAGE,
          ':seq': seq,
          ':was': message.seq,
          ':change': keys.messageChange(message.ticketNumber, seq),
        },
      },
    }),
    stale({
      Put: {
        TableName: table,
        Item: {
          ...keys.taggedMessage(tagKey, message.messageId),
          type: 'taggedMessage',
          messageId: message.messageId,
          clientId: message.clientId,
          ticketNumber: message.ticketNumber,
          ticketId: message.ticketId,
          taggedBy: by,
          taggedAt: at.toISOString(),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    }),
  ]);
  steps.push({
    item: {
      Update: {
        TableName: table,
        Key: keys.tag(tagKey),
        UpdateExpression:
          'SET #name = if_not_exists(#name, :name), createdAt = if_not_exists(createdAt, :at), ' +
          'createdBy = if_not_exists(createdBy, :by), #type = :type ADD messageCount :n',
        ExpressionAttributeNames: { '#name': 'name', '#type': 'type' },
        ExpressionAttributeValues: {
          ':name': name,
          ':at': at.toISOString(),
          ':by': by,
          ':type': 'tag',
          ':n': messages.length,
        },
      },
    },
  });
  return steps;
}

/** M7: the tag list with counts, by name. */
export async function tagsPage(page: PageRequest): Promise<Page<Tag>> {
  const { pk, skPrefix } = keys.tags();
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(page.cursor, { pk }, { name: 'sk', prefix: skPrefix }),
    }),
  );
  return pageOf((result.Items ?? []).map(toTag), result.LastEvaluatedKey);
}

export interface LinkWindow {
  links: TaggedMessageLink[];
  /** Where the next window starts; absent when the tag's links are used up. */
  lastKey?: { pk: string; sk: string };
}

/** A window of a tag's links, newest message first. */
export async function taggedLinks(tagKey: string, after: { pk: string; sk: string } | undefined, limit: number) {
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.taggedMessages(tagKey).pk },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: after,
    }),
  );
  const window: LinkWindow = {
    links: (result.Items ?? []).map((item) => ({
      messageId: item.messageId as string,
      clientId: item.clientId as string,
      ticketNumber: item.ticketNumber as number,
      ticketId: item.ticketId as string,
    })),
  };
  if (result.LastEvaluatedKey) {
    window.lastKey = { pk: result.LastEvaluatedKey.pk as string, sk: result.LastEvaluatedKey.sk as string };
  }
  return window;
}

/** A cursor into a tag's links, checked to belong to that tag. */
export function decodeTagCursor(tagKey: string, cursor: string | undefined) {
  const key = decodeCursor(cursor, { pk: keys.taggedMessages(tagKey).pk });
  return key ? { pk: key.pk as string, sk: key.sk as string } : undefined;
}
