// The CPU floor of one DynamoDB call as the functions make it: bundled like them, run in the CPU measurement's
// function process, it reads one item through the shared document client (bench/cpu.ts).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../shared/platform/aws-clients';
import { readConfig } from '../shared/platform/config';

export async function handler(event: { key: Record<string, string> }): Promise<{ statusCode: number }> {
  await dynamo().send(new GetCommand({ TableName: readConfig().tableName, Key: event.key, ConsistentRead: true }));
  return { statusCode: 200 };
}
