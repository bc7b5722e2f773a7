// The outgoing webhooks output of the change projector (W1, W2, OP3): each committed change that is a subscribed event
// becomes one durable event record per endpoint (one write unit: the payload is kept small), and each endpoint gets
// one item of due work per batch naming its new events, which the delivery worker posts. The stream keeps records
// for 24 hours only; these items keep the events until they are delivered, failed or expired.
import type { WebhookEvent } from '../domain/webhooks';
import { allWebhookEndpoints, recordWebhookEvent, scheduleWebhookWork } from '../store/webhooks';
import type { ChangeOutput, ProjectionBatch } from './change-projector';
import { webhookEventsOf } from './webhook-events';

/** Event ids per item of due work: keeps the item at a few write units however busy the batch. */
const EVENTS_PER_WORK = 100;
/** Event records written at once. */
const WRITE_CONCURRENCY = 16;

export interface WebhookProjectionResult {
  events: number;
  /** Event records written (an event counts once per subscribed endpoint); 0 for a redelivered batch. */
  recorded: number;
  /** Items of due work written. */
  work: number;
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function createWebhookOutput(clock: () => Date = () => new Date()): ChangeOutput {
  return {
    name: 'webhooks',
    async project(batch: ProjectionBatch): Promise<WebhookProjectionResult> {
      const events = webhookEventsOf(batch.changes);
      if (events.length === 0) return { events: 0, recorded: 0, work: 0 };
      const endpoints = (await allWebhookEndpoints()).filter((endpoint) => endpoint.enabled);
      const now = clock();
      const writes: Array<{ webhookId: string; event: WebhookEvent }> = [];
      let work = 0;
      for (const endpoint of endpoints) {
        const subscribed = events.filter((event) => endpoint.eventTypes.includes(event.type));
        if (subscribed.length === 0) continue;
        // The work is written before the records it names: a batch that dies between the two is redelivered and
        // writes both again (records once: conditional), so no record is ever left without work that posts it. The
        // worker waits for a record its work names but it cannot find yet.
        const parts: WebhookEvent[][] = [];
        for (let at = 0; at < subscribed.length; at += EVENTS_PER_WORK) {
          parts.push(subscribed.slice(at, at + EVENTS_PER_WORK));
        }
        for (const [index, part] of parts.entries()) {
          await scheduleWebhookWork(
            {
              webhookId: endpoint.webhookId,
              due: now.toISOString(),
              workId: `b#${batch.batchId}#${index}`,
              eventIds: part.map((event) => event.id),
              claims: 0,
            },
            now,
          );
          work++;
        }
        for (const event of subscribed) writes.push({ webhookId: endpoint.webhookId, event });
      }
      let recorded = 0;
      await inParallel(writes, WRITE_CONCURRENCY, async ({ webhookId, event }) => {
        if (await recordWebhookEvent(webhookId, event, now)) recorded++;
      });
      return { events: events.length, recorded, work };
    },
  };
}

export const webhookOutput: ChangeOutput = createWebhookOutput();
