// Cursor pagination for list queries: the cursor is DynamoDB's LastEvaluatedKey, opaque to callers and checked on the
// way back in, so a tampered cursor is a 400 rather than a query over another list.

import { createHash } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { describeIssues, invalid } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { MAX_PAGE_SIZE } from '../protocol/fields';
import { INDEXES, keyAttributesOf as keyAttributesOfIndex, partitionQuery, tableDefinition } from './keys';

/** The refusal every tampered or foreign list cursor gets. */
const notThisList = () => invalid('cursor: is not a cursor this list returned');

/** A cursor's JSON (cursors are base64url JSON); what is not JSON is refused as `refusal` says. */
export function cursorValue(cursor: string, refusal: () => Error): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refusal();
  }
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present while more items follow; pass it back as `cursor`. */
  nextCursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
/** R5: a page's items stop before their JSON passes this, so a reply with its envelope stays under 128 KB. */
export const PAGE_BYTES = 96 * 1024;

/** How many leading items fit in `budget` bytes of JSON (at least one, so a page always moves forward). */
export function countWithinBytes(items: readonly unknown[], budget = PAGE_BYTES): number {
  let total = 0;
  for (let index = 0; index < items.length; index++) {
    total += Buffer.byteLength(JSON.stringify(items[index])) + 1;
    if (total > budget) return Math.max(index, 1);
  }
  return items.length;
}
export { MAX_PAGE_SIZE };

const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().min(1).max(2048).optional(),
});

/** Reads `limit` and `cursor` from a query string; other parameters are left to the caller. */
export function pageRequestOf(query: Record<string, string | undefined>): PageRequest {
  const parsed = pageQuerySchema.safeParse({ limit: query.limit, cursor: query.cursor });
  if (!parsed.success) throw invalid(describeIssues(parsed.error.issues));
  return parsed.data.cursor === undefined
    ? { limit: parsed.data.limit }
    : { limit: parsed.data.limit, cursor: parsed.data.cursor };
}

export function encodeCursor(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey ? Buffer.from(JSON.stringify(lastKey), 'utf8').toString('base64url') : undefined;
}

/**
 * Turns a cursor back into an ExclusiveStartKey. `expected` holds the attributes the key must carry with these exact
 * values (the list's partition), so a cursor from one list cannot page through another; `within` is the query's sort
 * key prefix, if it has one (DynamoDB fails a start key outside the key condition).
 */
export function decodeCursor(
  cursor: string | undefined,
  expected: Readonly<Record<string, string>>,
  within?: { name: string; prefix: string },
): Record<string, string> | undefined {
  if (cursor === undefined) return undefined;
  const parsed = z.record(z.string(), keyValue).safeParse(cursorValue(cursor, notThisList));
  if (
    !parsed.success ||
    !sameNames(Object.keys(parsed.data), keyAttributesOf(expected)) ||
    Object.entries(expected).some(([name, value]) => parsed.data[name] !== value) ||
    (within && !parsed.data[within.name]?.startsWith(within.prefix))
  ) {
    throw notThisList();
  }
  return parsed.data;
}

/** DynamoDB refuses a start key with an empty or oversized key value (sort keys: 1024 bytes) as a server error. */
const keyValue = z.string().refine((value) => value.length > 0 && Buffer.byteLength(value) <= 1024);

/** A start key names exactly the table's key and, for an index read, the key of the index whose partition it names. */
function keyAttributesOf(expected: Readonly<Record<string, string>>): string[] {
  return keyAttributesOfIndex(tableDefinition.indexes.find((index) => index.partitionKey in expected));
}

const sameNames = (given: readonly string[], wanted: readonly string[]) =>
  given.length === wanted.length && wanted.every((name) => given.includes(name));

export function pageOf<T>(items: T[], lastKey: Record<string, unknown> | undefined): Page<T> {
  const nextCursor = encodeCursor(lastKey);
  return nextCursor ? { items, nextCursor } : { items };
}

/**
 * Where a list merged from several partitions stands in one of them: after this sort key, `null` for its top (nothing
 * handed out yet), or `true` once it is used up (not queried again).
 */
export type PartitionPosition = string | null | true;

/** A GSI sort key, which DynamoDB caps at 1024 bytes: a longer one is tampered, not a 500. */
const sortKeyPosition = z
  .string()
  .min(1)
  .refine((position) => Buffer.byteLength(position) <= 1024);

const mergedCursorSchema = z.strictObject({
  list: z.string().min(1),
  at: z.array(z.union([sortKeyPosition, z.null(), z.literal(true)])),
});

/**
 * A page-merged list's cursor (one partition, or an operator's own two groups) carries one position per partition, and
 * names its list, partitions included, so it cannot page through another.
 */
export function encodeMergedCursor(list: string, at: readonly PartitionPosition[]): string {
  return Buffer.from(JSON.stringify({ list, at }), 'utf8').toString('base64url');
}

export function decodeMergedCursor(
  cursor: string | undefined,
  list: string,
  partitions: number,
): PartitionPosition[] | undefined {
  if (cursor === undefined) return undefined;
  const parsed = mergedCursorSchema.safeParse(cursorValue(cursor, notThisList));
  if (!parsed.success || parsed.data.list !== list || parsed.data.at.length !== partitions) {
    throw notThisList();
  }
  return parsed.data.at;
}

/**
 * Where a frontier-merged list (the staff views over many partitions) stands: every item above `before` (the sort key
 * of the last item handed out) has been handed out, in every partition, so each partition continues below it; absent
 * before anything was handed out. `done` marks the partitions found used up, by their place in the list of partitions.
 */
export interface MergePoint {
  before?: string;
  done: boolean[];
}

const frontierCursorSchema = z
  .strictObject({
    list: z.string().min(1),
    before: sortKeyPosition.optional(),
    // A bitmask of used-up partitions (150 partitions: 26 characters), valid only for the partitions hashed in `of`.
    done: z.string().min(1).max(64).optional(),
    of: z.string().min(1).max(16).optional(),
  })
  .refine((cursor) => (cursor.done === undefined) === (cursor.of === undefined));

/** Names a list of partitions in 8 characters, so a cursor can tell whether its `done` marks still index the same. */
const partitionsHash = (partitions: readonly string[]) =>
  createHash('sha256').update(JSON.stringify(partitions)).digest('base64url').slice(0, 8);

const bitmaskOf = (flags: readonly boolean[]): string => {
  const bytes = Buffer.alloc(Math.ceil(flags.length / 8));
  flags.forEach((flag, index) => {
    if (flag) bytes[index >> 3] = (bytes[index >> 3] ?? 0) | (1 << (index & 7));
  });
  return bytes.toString('base64url');
};

/**
 * A frontier-merged list's cursor: its list, the point it stopped at and its used-up partitions. Its size does not grow
 * with the partitions (but for one bit each), and nothing in it names a partition, so partitions that join the list
 * (a group made while someone pages) take the cursor's point too and it stays valid.
 */
export function encodeFrontierCursor(list: string, partitions: readonly string[], point: MergePoint): string {
  const done = point.done.some(Boolean) ? { done: bitmaskOf(point.done), of: partitionsHash(partitions) } : {};
  const cursor = { list, ...(point.before === undefined ? {} : { before: point.before }), ...done };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/**
 * The point a frontier cursor stopped at. Its `done` marks are kept only while the list merges the partitions they were
 * made for; once a partition joins or leaves, every partition is read again from the point (a used-up one reads
 * nothing), which costs a Query each on that one page, never an item.
 */
export function decodeFrontierCursor(
  cursor: string | undefined,
  list: string,
  partitions: readonly string[],
): MergePoint | undefined {
  if (cursor === undefined) return undefined;
  const parsed = frontierCursorSchema.safeParse(cursorValue(cursor, notThisList));
  if (!parsed.success || parsed.data.list !== list) throw notThisList();
  const { before, done, of } = parsed.data;
  let flags = partitions.map(() => false);
  if (done !== undefined && of === partitionsHash(partitions)) {
    flags = partitions.map(
      (_, index) => ((Buffer.from(done, 'base64url')[index >> 3] ?? 0) & (1 << (index & 7))) !== 0,
    );
    // Only the exact mask this list would write: no stray bits, no padding, no other length.
    if (bitmaskOf(flags) !== done) throw notThisList();
  }
  return before === undefined ? { done: flags } : { before, done: flags };
}

/**
 * One page of an admin listing (operators, groups, channels): its items under one partition of the listings index,
 * by sort key, optionally only those whose sort key starts with `prefix`.
 */
export async function listingPage<T>(
  partition: string,
  page: PageRequest,
  toItem: (item: Record<string, unknown>) => T,
  prefix?: string,
): Promise<Page<T>> {
  const index = INDEXES.listings;
  const result = await dynamo().send(
    new QueryCommand({
      TableName: readConfig().tableName,
      ...partitionQuery(partition, { index, sort: prefix === undefined ? undefined : { beginsWith: prefix } }),
      Limit: page.limit,
      ExclusiveStartKey: decodeCursor(
        page.cursor,
        { [index.partitionKey]: partition },
        prefix === undefined ? undefined : { name: index.sortKey, prefix },
      ),
    }),
  );
  return pageOf((result.Items ?? []).map(toItem), result.LastEvaluatedKey);
}
