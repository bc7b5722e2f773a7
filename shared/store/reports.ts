// Daily report aggregates (RP1) in the table: one item per day and operator, group, channel or tenant, grown by ADD
// updates that the reports projector writes once per batch, and read back a range at a time (one Query per id).
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AggregateDelta, ReportDimension } from '../domain/reports';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { INDEXES, keys, partitionQuery, TTL_ATTRIBUTE } from './keys';
import { type TransactStep, transactWrite } from './transactions';

/** A transaction holds 100 items: the batch mark and 99 aggregates. */
export const AGGREGATES_PER_TRANSACTION = 99;
/** Batch marks outlive every redelivery: the stream keeps records 24 hours. */
const BATCH_MARK_SECONDS = 2 * 86_400;

class BatchAlreadyWritten extends Error {}

export interface AggregateWrites {
  /** Aggregate updates committed now. */
  written: number;
  /** Aggregate updates skipped because their chunk of this batch was committed before (a redelivery). */
  skipped: number;
  transactions: number;
}

function addStep(delta: AggregateDelta, table: string, at: string): TransactStep {
  const names: Record<string, string> = {
    '#type': 'type',
    '#dimension': 'dimension',
    '#id': 'id',
    '#day': 'day',
    '#updatedAt': 'updatedAt',
  };
  const values: Record<string, unknown> = {
    ':type': 'report',
    ':dimension': delta.dimension,
    ':id': delta.id,
    ':day': delta.day,
    ':at': at,
  };
  const adds = Object.entries(delta.adds).map(([attribute, amount], index) => {
    names[`#a${index}`] = attribute;
    values[`:a${index}`] = amount;
    return `#a${index} :a${index}`;
  });
  return {
    item: {
      Update: {
        TableName: table,
        Key: keys.report(delta.dimension, delta.id, delta.day),
        UpdateExpression: `SET #type = :type, #dimension = :dimension, #id = :id, #day = :day, #updatedAt = :at ADD ${adds.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  };
}

/**
 * Adds a batch's increments, in chunks of 99 aggregates per transaction, each with a conditional mark of the batch
 * and chunk: a redelivered batch (same records, same id, same chunks) finds its marks and adds nothing twice, and a
 * chunk either lands whole or not at all.
 */
export async function addToReports(
  deltas: readonly AggregateDelta[],
  batchId: string,
  at: string,
): Promise<AggregateWrites> {
  const table = readConfig().tableName;
  const result: AggregateWrites = { written: 0, skipped: 0, transactions: 0 };
  const expiresAt = Math.floor(Date.parse(at) / 1000) + BATCH_MARK_SECONDS;
  for (let start = 0, chunk = 0; start < deltas.length; start += AGGREGATES_PER_TRANSACTION, chunk++) {
    const part = deltas.slice(start, start + AGGREGATES_PER_TRANSACTION);
    const mark: TransactStep = {
      item: {
        Put: {
          TableName: table,
          Item: { ...keys.reportBatch(batchId, chunk), type: 'reportBatch', at, [TTL_ATTRIBUTE]: expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => new BatchAlreadyWritten(),
    };
    try {
      await transactWrite([mark, ...part.map((delta) => addStep(delta, table, at))]);
      result.written += part.length;
      result.transactions++;
    } catch (error) {
      if (!(error instanceof BatchAlreadyWritten)) throw error;
      result.skipped += part.length;
    }
  }
  return result;
}

export interface ReportDay {
  day: string;
  figures: Record<string, unknown>;
}

/** The stored days of one id between two dates (inclusive): one Query, at most one item per day. */
export async function reportDaysOf(
  dimension: ReportDimension,
  id: string,
  from: string,
  to: string,
): Promise<ReportDay[]> {
  const days: ReportDay[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': keys.reportDays(dimension, id).pk, ':from': from, ':to': to },
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) days.push({ day: item.sk as string, figures: item });
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return days;
}

export interface DimensionMember {
  id: string;
  name: string;
}

const listings = {
  operator: { listing: keys.operators(), idAttribute: 'operatorId' },
  group: { listing: keys.groups(), idAttribute: 'groupId' },
  channel: { listing: keys.channels(), idAttribute: 'channelId' },
} as const;

/** Every operator, group or channel (ids and names), from the admin lists; the tenant is one member, `all`. */
export async function dimensionMembers(dimension: Exclude<ReportDimension, 'tenant'>): Promise<DimensionMember[]> {
  const { listing, idAttribute } = listings[dimension];
  const members: DimensionMember[] = [];
  const listQuery = partitionQuery(listing, { index: INDEXES.listings });
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: readConfig().tableName,
        ...listQuery,
        ProjectionExpression: '#id, #name',
        ExpressionAttributeNames: { ...listQuery.ExpressionAttributeNames, '#id': idAttribute, '#name': 'name' },
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) members.push({ id: item[idAttribute] as string, name: item.name as string });
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  return members;
}
