// The timers' alarm clock: an SQS queue whose per-message delay (≤ 15 min) wakes the timers function at a timer's due
// second. EventBridge fires its per-minute schedule anywhere within the minute, so a sweep alone can be up to two
// minutes late; a timer due soon is therefore also sent here, by the write that creates it or by the sweep before its
// minute. The queue only wakes: the timer item in the table stays the truth, so a lost or repeated wake-up changes
// nothing (the sweep still fires it; a second firing finds it claimed). SQS's JSON protocol over a signed fetch keeps
// the SQS client (~100 KB) out of request-path bundles.
import { readConfig } from './config';
import { signedFetch } from './signed-fetch';

/** What a wake-up names: the timer's key parts, so the consumer claims exactly that item. */
export interface TimerWakeUp {
  kind: string;
  id: string;
  due: string;
}

/** SQS's ceiling for a message delay. */
export const MAX_DELAY_SECONDS = 900;
const BATCH = 10;

/** Sends one delayed message per timer; nothing when no queue is configured (the sweep alone then fires timers). */
export async function wakeAt(timers: readonly TimerWakeUp[], now: Date = new Date()): Promise<number> {
  const queueUrl = readConfig().timerQueueUrl;
  if (!queueUrl || timers.length === 0) return 0;
  let sent = 0;
  for (let start = 0; start < timers.length; start += BATCH) {
    const batch = timers.slice(start, start + BATCH);
    await sendBatch(
      queueUrl,
      batch.map((timer, index) => ({
        Id: String(index),
        MessageBody: JSON.stringify({ kind: timer.kind, id: timer.id, due: timer.due }),
        DelaySeconds: delaySeconds(timer.due, now),
      })),
    );
    sent += batch.length;
  }
  return sent;
}

/** Whole seconds until due, rounded up so a wake-up never comes before its timer is due; 0 for an overdue one. */
export function delaySeconds(due: string, now: Date): number {
  const seconds = Math.ceil((Date.parse(due) - now.getTime()) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, seconds));
}

interface Entry {
  Id: string;
  MessageBody: string;
  DelaySeconds: number;
}

async function sendBatch(queueUrl: string, entries: Entry[]): Promise<void> {
  const url = new URL(queueUrl);
  const local = url.protocol === 'http:';
  const body = Buffer.from(JSON.stringify({ QueueUrl: queueUrl, Entries: entries }), 'utf8');
  const response = await signedFetch({
    service: 'sqs',
    method: 'POST',
    url: new URL('/', url),
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
    body,
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Timer wake-ups were refused: ${response.status} ${text.slice(0, 300)}`);
  const failed = (JSON.parse(text) as { Failed?: Array<{ Id: string; Message?: string }> }).Failed ?? [];
  if (failed.length > 0) throw new Error(`${failed.length} timer wake-ups were refused: ${failed[0]?.Message ?? ''}`);
}
