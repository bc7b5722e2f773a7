// Health check: one cheap read proves the table is reachable.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from '../store/keys';

/** Public, so it names nothing of the deployment (X2): no table, no version. */
export async function checkHealth(): Promise<{ status: 'ok'; time: string }> {
  const { tableName } = readConfig();
  await dynamo().send(new GetCommand({ TableName: tableName, Key: keys.connection('health-probe') }));
  return { status: 'ok', time: new Date().toISOString() };
}
