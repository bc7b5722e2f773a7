// Durable timers (auto-close, SLA): items bucketed by due minute, fired by the `timers` schedule. A timer is claimed by
// a conditional delete before its job runs, so overlapping sweeps fire it once; a failed job puts it back.
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { keys } from './keys';
import { queryAll } from './query';

export interface DueTimer {
  kind: string;
  id: string;
  due: string;
  payload?: Record<string, unknown>;
}

export type TimerJob = (timer: DueTimer, now: Date) => Promise<void>;

/** How far back a sweep looks, so a missed or late schedule invocation still fires what fell due meanwhile. */
export const SWEEP_LOOKBACK_MINUTES = 10;
const KEEP_AFTER_DUE_SECONDS = 24 * 60 * 60;

export function timerItem(timer: DueTimer): Record<string, unknown> {
  const due = new Date(timer.due);
  return {
    ...keys.timer(due, timer.kind, timer.id),
    type: 'timer',
    ...timer,
    expiresAt: Math.floor(due.getTime() / 1000) + KEEP_AFTER_DUE_SECONDS,
  };
}

export async function scheduleTimer(timer: DueTimer): Promise<void> {
  await dynamo().send(new PutCommand({ TableName: readConfig().tableName, Item: timerItem(timer) }));
}

export async function cancelTimer(timer: Pick<DueTimer, 'kind' | 'id' | 'due'>): Promise<void> {
  await dynamo().send(
    new DeleteCommand({
      TableName: readConfig().tableName,
      Key: keys.timer(new Date(timer.due), timer.kind, timer.id),
    }),
  );
}

export interface SweepResult {
  fired: number;
  failed: number;
  unknownKind: number;
}

export async function fireDueTimers(now: Date, jobs: Readonly<Record<string, TimerJob>>): Promise<SweepResult> {
  const result: SweepResult = { fired: 0, failed: 0, unknownKind: 0 };
  for (let back = SWEEP_LOOKBACK_MINUTES; back >= 0; back--) {
    const bucket = keys.timerBucket(new Date(now.getTime() - back * 60_000));
    for (const timer of await dueIn(bucket, now)) {
      const job = jobs[timer.kind];
      if (!job) {
        result.unknownKind++;
        console.warn('timer of unknown kind left in place', timer.kind, timer.id);
        continue;
      }
      if (!(await claim(timer))) continue;
      try {
        await job(timer, now);
        result.fired++;
      } catch (error) {
        console.error('timer job failed; it will be retried', timer.kind, timer.id, error);
        await scheduleTimer(timer);
        result.failed++;
      }
    }
  }
  return result;
}

async function dueIn(bucket: string, now: Date): Promise<DueTimer[]> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk AND sk <= :now',
    ExpressionAttributeValues: { ':pk': bucket, ':now': `${now.toISOString()}#~` },
  });
  return items.map((item) => {
    const timer: DueTimer = { kind: item.kind as string, id: item.id as string, due: item.due as string };
    if (item.payload) timer.payload = item.payload as Record<string, unknown>;
    return timer;
  });
}

async function claim(timer: DueTimer): Promise<boolean> {
  try {
    await dynamo().send(
      new DeleteCommand({
        TableName: readConfig().tableName,
        Key: keys.timer(new Date(timer.due), timer.kind, timer.id),
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}
