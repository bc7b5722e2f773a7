// Gives a test file its own fresh table in the shared DynamoDB Local and points the product code at it.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { ensureTable } from '../../infra/local/table';
import { resetClients } from '../../shared/platform/aws-clients';

/** `stream: true` for tests that read the change stream (the projector); the other tables go without one. */
export async function useTestTable(
  options: { stream?: boolean } = {},
): Promise<{ tableName: string; endpoint: string }> {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `test-${randomUUID().slice(0, 8)}`;
  await ensureTable(endpoint, tableName, { stream: options.stream ?? false });
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.TABLE_NAME = tableName;
  resetClients();
  return { tableName, endpoint };
}
