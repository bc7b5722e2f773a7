// Fixed-window rate limits kept in the table: one atomic conditional counter per subject and window.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rateLimited } from '../domain/errors';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';

export interface RateLimit {
  scope: string;
  limit: number;
  windowSeconds: number;
}

/** Counts one use by `subject`; throws `rate_limited` once the window's limit is reached (the refused use is not counted). */
export async function consumeRate(rule: RateLimit, subject: string, now: Date): Promise<void> {
  const windowStart = Math.floor(now.getTime() / 1000 / rule.windowSeconds) * rule.windowSeconds;
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: readConfig().tableName,
        Key: keys.rateWindow(rule.scope, subject, String(windowStart)),
        UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': rule.limit,
          ':expires': windowStart + rule.windowSeconds * 2,
        },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
      const retryIn = windowStart + rule.windowSeconds - Math.floor(now.getTime() / 1000);
      throw rateLimited(`Too many requests; try again in ${Math.max(retryIn, 1)} s.`);
    }
    throw error;
  }
}
