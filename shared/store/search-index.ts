// The search index (M8): postings items written by the stream projector and read, one bucket at a time, by search.
// Key design in keys.ts; what a word is and which scopes a posting goes to live in shared/domain.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { invalid } from '../domain/errors';
import type { SearchScope } from '../domain/search-scopes';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { type ItemKey, keys, type SearchKind } from './keys';

export interface Posting {
  /** The folded word as indexed. */
  word: string;
  ticketId: string;
  /** Message postings only; a client-name posting names the ticket it was filed with. */
  messageId?: string;
  /** Client-name postings only: the whole name the word was filed from (a renamed client is filed again). */
  name?: string;
}

export interface PostingsItem {
  kind: SearchKind;
  scope: SearchScope;
  bucket: string;
  writtenAt: string;
  batchId: string;
  postings: Posting[];
}

/** Items stay far below DynamoDB's 400 KB; bigger items cost no more per byte, so the cap only bounds one read. */
const MAX_POSTINGS_PER_ITEM = 1500;
const BATCH_WRITE_SIZE = 25;

/**
 * Postings are stored deflated: their lines repeat ticket ids and word stems, so a full item shrinks about 3×, and a
 * write is billed per started KB. Items written before compression hold the plain text and are read as such.
 */
const encodePostings = (postings: readonly Posting[]) =>
  deflateRawSync(
    postings.map((p) => `${p.word}\t${p.ticketId}\t${p.messageId ?? p.name?.replace(/[\t\n]/g, ' ') ?? ''}`).join('\n'),
  );

/** Lines of `word, ticketId, messageId` (message postings) or `word, ticketId, name` (client-name postings). */
export function decodePostings(kind: SearchKind, stored: unknown): Posting[] {
  const text = stored instanceof Uint8Array ? inflateRawSync(stored).toString('utf8') : String(stored ?? '');
  return text.split('\n').map((line) => {
    const [word = '', ticketId = '', third = ''] = line.split('\t');
    if (!third) return { word, ticketId };
    return kind === 'm' ? { word, ticketId, messageId: third } : { word, ticketId, name: third };
  });
}

/** Splits oversize postings lists so every item stays bounded; part numbers keep the keys distinct. */
export function postingsItems(item: PostingsItem): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < item.postings.length; start += MAX_POSTINGS_PER_ITEM) {
    const part = start / MAX_POSTINGS_PER_ITEM;
    const batchId = part === 0 ? item.batchId : `${item.batchId}.${part}`;
    items.push({
      ...keys.searchPostings(item.kind, item.scope, item.bucket, item.writtenAt, batchId),
      type: 'search',
      postings: encodePostings(item.postings.slice(start, start + MAX_POSTINGS_PER_ITEM)),
    });
  }
  return items;
}

/**
 * Writes postings items with BatchWriteItem, retrying what DynamoDB leaves unprocessed. Keys are derived from the
 * projector batch, so a redelivered batch overwrites its own items instead of adding copies.
 */
export async function writePostings(items: readonly PostingsItem[]): Promise<number> {
  const { tableName } = readConfig();
  const puts = items.flatMap(postingsItems);
  for (let start = 0; start < puts.length; start += BATCH_WRITE_SIZE) {
    let request: BatchWriteCommandInput['RequestItems'] = {
      [tableName]: puts.slice(start, start + BATCH_WRITE_SIZE).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const result: BatchWriteCommandOutput = await dynamo().send(new BatchWriteCommand({ RequestItems: request }));
      request = result.UnprocessedItems;
    }
  }
  return puts.length;
}

export interface BucketRead {
  items: Array<{ key: ItemKey; postings: Posting[] }>;
  /** Where the next read of this bucket starts; absent when the bucket is exhausted. */
  lastKey?: ItemKey;
}

/** Postings items of one bucket in one scope, newest first. */
export async function readBucket(
  kind: SearchKind,
  scope: SearchScope,
  bucket: string,
  request: { startKey?: ItemKey | undefined; limit: number },
): Promise<BucketRead> {
  const { pk, skPrefix } = keys.searchBucket(kind, scope, bucket);
  if (request.startKey && (request.startKey.pk !== pk || !request.startKey.sk.startsWith(skPrefix))) {
    throw invalid('The cursor does not belong to this search.');
  }
  const { Items = [], LastEvaluatedKey } = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
      Limit: request.limit,
      ExclusiveStartKey: request.startKey,
    }),
  );
  const read: BucketRead = {
    items: Items.map((item) => ({
      key: { pk: item.pk as string, sk: item.sk as string },
      postings: decodePostings(kind, item.postings),
    })),
  };
  if (LastEvaluatedKey) read.lastKey = { pk: LastEvaluatedKey.pk as string, sk: LastEvaluatedKey.sk as string };
  return read;
}
