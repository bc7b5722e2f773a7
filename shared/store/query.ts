// Reads a Query through every page: the loop each whole-partition read needs, written once.
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';

export type QueryInput = Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/** Items one by one, page after page; stop early by breaking out of the loop. */
export async function* queryItems(input: QueryInput): AsyncGenerator<Record<string, unknown>> {
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({ ...input, TableName: readConfig().tableName, ExclusiveStartKey: cursor }),
    );
    yield* page.Items ?? [];
    cursor = page.LastEvaluatedKey;
  } while (cursor);
}

export async function queryAll(input: QueryInput): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const item of queryItems(input)) items.push(item);
  return items;
}
