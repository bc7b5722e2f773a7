// Reads many items by key: BatchGet in rounds of at most 100 keys, retrying whatever DynamoDB leaves unprocessed.
import { BatchGetCommand, type BatchGetCommandInput, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import type { ItemKey } from './keys';

const BATCH_SIZE = 100;

/** The items that exist among `itemKeys`, in no particular order. */
export async function batchGet(itemKeys: readonly ItemKey[]): Promise<Record<string, unknown>[]> {
  const { tableName } = readConfig();
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < itemKeys.length; start += BATCH_SIZE) {
    let request: BatchGetCommandInput['RequestItems'] = {
      [tableName]: { Keys: itemKeys.slice(start, start + BATCH_SIZE).map((key) => ({ ...key })) },
    };
    while (request && Object.keys(request).length > 0) {
      const result: BatchGetCommandOutput = await dynamo().send(new BatchGetCommand({ RequestItems: request }));
      items.push(...(result.Responses?.[tableName] ?? []));
      request = result.UnprocessedKeys;
    }
  }
  return items;
}
