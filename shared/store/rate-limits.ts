// Rate limits kept in the table: fixed-window counters (widget sessions per address) and rate buckets (R5 visitor
// messages), each one atomic conditional write per use.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { rateLimited } from '../domain/errors';
import { type Admission, admit, intervalsOf, type RateRule } from '../domain/rate-rules';
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
      throw rateLimited(`Too many requests; try again in ${Math.max(retryIn, 1)} s.`, Math.max(retryIn, 1));
    }
    throw error;
  }
}

/**
 * R5: admits one use of `rule` by `subject` against the subject's bucket item (generic cell rate algorithm). One
 * conditional UpdateItem when `hint` (this instance's last known `tat`) guesses whether the bucket is idle or busy; a
 * wrong guess costs a second one, decided from the item the failed condition returns.
 */
export async function admitFromTable(
  scope: string,
  subject: string,
  rule: RateRule,
  now: Date,
  hint?: number,
): Promise<Admission> {
  const nowMs = now.getTime();
  const { intervalMs, toleranceMs } = intervalsOf(rule);
  const expires = Math.ceil((nowMs + toleranceMs + intervalMs) / 1000) + 60;
  let idle = hint === undefined || hint <= nowMs;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const { Attributes } = await dynamo().send(
        new UpdateCommand({
          TableName: readConfig().tableName,
          Key: keys.rateBucket(scope, subject),
          UpdateExpression: idle
            ? 'SET #tat = :next, expiresAt = :expires'
            : 'SET #tat = #tat + :interval, expiresAt = :expires',
          ConditionExpression: idle ? 'attribute_not_exists(#tat) OR #tat <= :now' : '#tat > :now AND #tat <= :ceiling',
          ExpressionAttributeNames: { '#tat': 'tat' },
          ExpressionAttributeValues: idle
            ? { ':next': nowMs + intervalMs, ':now': nowMs, ':expires': expires }
            : { ':interval': intervalMs, ':now': nowMs, ':ceiling': nowMs + toleranceMs, ':expires': expires },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { admitted: true, tat: Attributes?.tat as number };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const stored = tatOf((error as { Item?: Record<string, unknown> }).Item);
      const verdict = admit(stored, rule, nowMs);
      if (!verdict.admitted) return verdict;
      idle = stored === undefined || stored <= nowMs;
    }
  }
  // The bucket kept changing under us: someone else is using it as fast as it admits.
  return { admitted: false, retryAfterMs: Math.ceil(intervalMs) };
}

/** The failed condition's item arrives unmarshalled or as raw attribute values, depending on the client. */
function tatOf(item: Record<string, unknown> | undefined): number | undefined {
  const value = item?.tat as number | { N?: string } | undefined;
  if (typeof value === 'number') return value;
  return value?.N === undefined ? undefined : Number(value.N);
}
