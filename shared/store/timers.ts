// Durable timers (auto-close T11, SLA marks S3/S4, delivery retries CH3/OP3): items bucketed by the hour they fall due,
// fired by the per-minute sweep and, for second precision, woken by a delayed queue message (platform/timer-queue.ts).
//
// Never lost (OP3):
// - A sweep covers everything due since the last completed sweep (a watermark item), not a fixed look-back, so a
//   schedule that was down for hours fires every overdue timer once on its next run.
// - Firing claims the timer by moving it: one transaction deletes it and puts a retry copy due after a backoff with
//   its attempt count. The job runs; on success the copy is deleted. A job that throws, or a function that dies
//   mid-job, leaves the copy, which fires again later. After MAX_ATTEMPTS claims the timer is given up: moved to a
//   failed-timer record with the reason, logged and counted.
// - A second firing (two sweeps, a sweep and a wake-up, a repeated wake-up) finds the timer claimed and does nothing;
//   jobs are conditioned on the state they were computed from, so a stale firing is a no-op.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../platform/aws-clients';
import { readConfig } from '../platform/config';
import { errorFields, log } from '../platform/log';
import { countMetric, durationMetric, METRIC } from '../platform/metrics';
import { type TimerWakeUp, wakeAt } from '../platform/timer-queue';
import { keys } from './keys';
import { queryAll } from './query';
import { isConditionFailure, transactWrite } from './transactions';

export interface DueTimer {
  kind: string;
  id: string;
  due: string;
  payload?: Record<string, unknown>;
  /** Claims so far; 0 for a timer that never fired. */
  attempts?: number;
}

export type TimerJob = (timer: DueTimer, now: Date) => Promise<void>;

/** Claims before a timer is given up: with the backoff below, about three hours of retries. */
export const MAX_ATTEMPTS = 8;
/** How long a sweep's wake-ups reach ahead: past the latest moment the next per-minute sweep can run. */
export const WAKE_LOOKAHEAD_MS = 150_000;
/** Where a first sweep starts when no watermark exists yet. */
const FIRST_SWEEP_LOOKBACK_MS = 10 * 60_000;
/** How long a given-up timer's record stays readable. */
const FAILED_RECORD_DAYS = 30;

/** The wait before the next claim: 1, 2, 4 … minutes, at most an hour. Also the claim's lease. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000;
}

export function timerItem(timer: DueTimer): Record<string, unknown> {
  const { attempts = 0, ...rest } = timer;
  return { ...keys.timer(new Date(timer.due), timer.kind, timer.id), type: 'timer', ...rest, attempts };
}

/**
 * Writes a timer. A due time in the past is moved to `now`: sweeps never look below their watermark, so a timer
 * written into the past would never fire.
 */
export function timerToWrite(timer: DueTimer, now: Date = new Date()): DueTimer {
  return Date.parse(timer.due) < now.getTime() ? { ...timer, due: now.toISOString() } : timer;
}

export async function scheduleTimer(timer: DueTimer, now: Date = new Date()): Promise<DueTimer> {
  const written = timerToWrite(timer, now);
  await dynamo().send(new PutCommand({ TableName: readConfig().tableName, Item: timerItem(written) }));
  return written;
}

export async function cancelTimer(timer: Pick<DueTimer, 'kind' | 'id' | 'due'>): Promise<void> {
  await dynamo().send(
    new DeleteCommand({
      TableName: readConfig().tableName,
      Key: keys.timer(new Date(timer.due), timer.kind, timer.id),
    }),
  );
}

/**
 * Wakes the timers that fall due before the next sweep can run, at their due second. Called after the write that
 * created them commits; a failure is logged and left to the sweep, which fires them a little later.
 */
export async function wakeIfSoon(timers: readonly DueTimer[], now: Date = new Date()): Promise<void> {
  const soon = timers.filter((timer) => Date.parse(timer.due) <= now.getTime() + WAKE_LOOKAHEAD_MS);
  try {
    await wakeAt(soon.map(wakeUpOf), now);
  } catch (error) {
    log.error('timer wake-up failed; the sweep fires it', errorFields(error));
  }
}

const wakeUpOf = (timer: DueTimer): TimerWakeUp => ({ kind: timer.kind, id: timer.id, due: timer.due });

export interface SweepResult {
  fired: number;
  failed: number;
  givenUp: number;
  /** Wake-ups sent for timers due before the next sweep. */
  woken: number;
  /** OP2 timer lag: how late the latest-firing timer of this sweep was, in seconds. */
  lagSeconds: number;
}

type FireOutcome = 'fired' | 'failed' | 'given_up' | 'taken';

/**
 * The per-minute sweep: fires every timer due since the watermark (hour buckets, oldest first), wakes those due before
 * the next sweep, then moves the watermark to `now`.
 */
export async function fireDueTimers(now: Date, jobs: Readonly<Record<string, TimerJob>>): Promise<SweepResult> {
  const result: SweepResult = { fired: 0, failed: 0, givenUp: 0, woken: 0, lagSeconds: 0 };
  const watermark = await readWatermark();
  // A watermark ahead of this clock (another instance's clock, a replayed time) is not trusted: look back as a first
  // sweep does.
  const through = watermark ? Date.parse(watermark.through) : Number.POSITIVE_INFINITY;
  const from = through <= now.getTime() ? through : now.getTime() - FIRST_SWEEP_LOOKBACK_MS;
  for (const bucket of hourBuckets(from, now.getTime())) {
    for (const timer of await timersIn(bucket, undefined, now.toISOString())) {
      const outcome = await fireTimer(timer, now, jobs);
      if (outcome === 'fired') result.fired++;
      else if (outcome === 'failed') result.failed++;
      else if (outcome === 'given_up') result.givenUp++;
      if (outcome !== 'taken') {
        result.lagSeconds = Math.max(result.lagSeconds, Math.round((now.getTime() - Date.parse(timer.due)) / 1000));
      }
    }
  }
  const wakeUntil = new Date(now.getTime() + WAKE_LOOKAHEAD_MS);
  if (readConfig().timerQueueUrl) {
    const wokenThrough = watermark?.wokenThrough ? Date.parse(watermark.wokenThrough) : now.getTime();
    const wakeFrom = Math.max(wokenThrough, now.getTime());
    const upcoming: DueTimer[] = [];
    for (const bucket of hourBuckets(wakeFrom, wakeUntil.getTime())) {
      upcoming.push(...(await timersIn(bucket, new Date(wakeFrom).toISOString(), wakeUntil.toISOString())));
    }
    result.woken = await wakeAt(upcoming.map(wakeUpOf), now);
  }
  await moveWatermark(now.toISOString(), wakeUntil.toISOString());
  if (result.fired) countMetric(METRIC.timersFired, result.fired);
  if (result.failed) countMetric(METRIC.timersFailed, result.failed);
  // A timer given up after its attempts will never fire: work that cannot complete by itself.
  if (result.givenUp) countMetric(METRIC.undeliverableWork, result.givenUp);
  if (result.fired || result.failed || result.givenUp) durationMetric(METRIC.timerLag, result.lagSeconds * 1000);
  return result;
}

/** Fires one timer woken by the queue; a timer already fired, or not yet due, is left to whoever owns it. */
export async function fireWokenTimer(
  wakeUp: TimerWakeUp,
  now: Date,
  jobs: Readonly<Record<string, TimerJob>>,
): Promise<FireOutcome | 'gone' | 'early'> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: readConfig().tableName,
      Key: keys.timer(new Date(wakeUp.due), wakeUp.kind, wakeUp.id),
      ConsistentRead: true,
    }),
  );
  if (!Item) return 'gone';
  const timer = timerOf(Item);
  // Clocks of the queue and the function differ by well under a second; a wake-up that much early still fires.
  if (Date.parse(timer.due) > now.getTime() + 1_000) return 'early';
  return fireTimer(timer, now, jobs);
}

/** Claims a due timer by moving it to its retry time, runs its job, and deletes the retry copy on success. */
export async function fireTimer(
  timer: DueTimer,
  now: Date,
  jobs: Readonly<Record<string, TimerJob>>,
): Promise<FireOutcome> {
  const job = jobs[timer.kind];
  const attempts = timer.attempts ?? 0;
  if (!job || attempts >= MAX_ATTEMPTS) {
    const reason = job ? `its job failed ${attempts} times` : `no job handles timers of kind "${timer.kind}"`;
    return (await giveUp(timer, reason, now)) ? 'given_up' : 'taken';
  }
  const retry: DueTimer = {
    ...timer,
    due: new Date(now.getTime() + retryDelayMs(attempts + 1)).toISOString(),
    attempts: attempts + 1,
  };
  if (!(await moveTimer(timer, timerItem(retry)))) return 'taken';
  try {
    await job(timer, now);
  } catch (error) {
    log.error('timer job failed; it will be retried', {
      timerKind: timer.kind,
      timerId: timer.id,
      attempt: attempts + 1,
      retryAt: retry.due,
      ...errorFields(error),
    });
    return 'failed';
  }
  await cancelTimer(retry);
  return 'fired';
}

async function giveUp(timer: DueTimer, reason: string, now: Date): Promise<boolean> {
  const moved = await moveTimer(timer, {
    ...keys.failedTimer(now, timer.kind, timer.id),
    type: 'failedTimer',
    ...timer,
    reason,
    failedAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + FAILED_RECORD_DAYS * 86_400,
  });
  if (moved) {
    log.error('timer given up', { timerKind: timer.kind, timerId: timer.id, due: timer.due, reason });
  }
  return moved;
}

/** Deletes the timer and puts `replacement` in one transaction; false when someone else claimed it first. */
async function moveTimer(timer: DueTimer, replacement: Record<string, unknown>): Promise<boolean> {
  const tableName = readConfig().tableName;
  try {
    await transactWrite([
      {
        item: {
          Delete: {
            TableName: tableName,
            Key: keys.timer(new Date(timer.due), timer.kind, timer.id),
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
        onConditionFailed: () => new AlreadyClaimed(),
      },
      { item: { Put: { TableName: tableName, Item: replacement } } },
    ]);
    return true;
  } catch (error) {
    if (error instanceof AlreadyClaimed || isConditionFailure(error)) return false;
    // Two claimers collided inside DynamoDB and retries ran out: the other one holds it.
    if ((error as { code?: string }).code === 'conflict') return false;
    throw error;
  }
}

class AlreadyClaimed extends Error {}

/** Timers that gave up (OP3: visible, with a reason), newest first. */
export async function failedTimers(limit = 50): Promise<Array<DueTimer & { reason: string; failedAt: string }>> {
  const items = await queryAll({
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.failedTimers().pk },
    ScanIndexForward: false,
    Limit: limit,
  });
  return items.slice(0, limit).map((item) => ({
    ...timerOf(item),
    reason: item.reason as string,
    failedAt: item.failedAt as string,
  }));
}

interface Watermark {
  /** Every timer due at or before this moment has been fired, retried or given up. */
  through: string;
  /** Wake-ups have been sent for every timer due up to this moment. */
  wokenThrough?: string;
}

async function readWatermark(): Promise<Watermark | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: readConfig().tableName, Key: keys.timerWatermark(), ConsistentRead: true }),
  );
  return Item ? { through: Item.through as string, wokenThrough: Item.wokenThrough as string | undefined } : undefined;
}

/** Moves the watermark forward only: an overlapping sweep that started earlier never moves it back. */
async function moveWatermark(through: string, wokenThrough: string): Promise<void> {
  try {
    await dynamo().send(
      new PutCommand({
        TableName: readConfig().tableName,
        Item: { ...keys.timerWatermark(), type: 'timerWatermark', through, wokenThrough },
        ConditionExpression: 'attribute_not_exists(pk) OR through <= :through',
        ExpressionAttributeValues: { ':through': through },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Hour buckets from `from` to `to`, both included. */
function hourBuckets(from: number, to: number): string[] {
  const buckets: string[] = [];
  const hour = 3_600_000;
  for (let at = Math.floor(from / hour) * hour; at <= to; at += hour) buckets.push(keys.timerBucket(new Date(at)));
  return buckets;
}

/** Timers of one bucket due after `after` (exclusive, when given) and at or before `through`. */
async function timersIn(bucket: string, after: string | undefined, through: string): Promise<DueTimer[]> {
  const items = await queryAll({
    KeyConditionExpression: after ? 'pk = :pk AND sk BETWEEN :after AND :through' : 'pk = :pk AND sk <= :through',
    ExpressionAttributeValues: {
      ':pk': bucket,
      ':through': `${through}#~`,
      ...(after ? { ':after': `${after}#~` } : {}),
    },
    ConsistentRead: true,
  });
  return items.map(timerOf);
}

function timerOf(item: Record<string, unknown>): DueTimer {
  const timer: DueTimer = {
    kind: item.kind as string,
    id: item.id as string,
    due: item.due as string,
    attempts: (item.attempts as number | undefined) ?? 0,
  };
  if (item.payload) timer.payload = item.payload as Record<string, unknown>;
  return timer;
}
