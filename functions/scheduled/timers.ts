// timers: the per-minute sweep (EventBridge schedule) fires every durable timer that has fallen due since the last
// sweep and wakes those due before the next one; the wake-up queue (SQS, delayed messages) fires one timer at its
// due second. Both find the timers' jobs in one table (auto-close, SLA marks, delivery retries). The per-minute run
// also posts due outgoing webhook events (W2), side by side with the sweep, so a slow endpoint never holds it up.
import middy from '@middy/core';
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { errorFields, log } from '../../shared/platform/log';
import { fireDueTimers, fireWokenTimer, type SweepResult } from '../../shared/store/timers';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { deliverDueWebhooks } from '../../shared/use-cases/webhook-delivery';
import { observe } from '../adapters/observe';

const isQueueEvent = (event: ScheduledEvent | SQSEvent): event is SQSEvent => 'Records' in event;

// The sweep's counts (fired, failed, givenUp, woken, lagSeconds) go on the request's closing log line with its result;
// the webhook run's (endpoints, delivered, retried, failed, disabled) on a `webhooks delivered` line.
export const handler = observe(
  middy<ScheduledEvent | SQSEvent, SweepResult | SQSBatchResponse>().handler(async (event) => {
    if (!isQueueEvent(event)) {
      // The rule's time: the local scheduler and the tests drive time through it, as EventBridge does.
      const now = new Date(event.time);
      const [result, webhooks] = await Promise.all([
        fireDueTimers(now, timerJobs),
        // A failing webhook run never fails the sweep: its work stays due and the next run takes it.
        deliverDueWebhooks(now).catch((error: unknown) => {
          log.error('webhook delivery run failed', errorFields(error));
          return undefined;
        }),
      ]);
      log.info('timers swept', { scheduledFor: event.time, ...result });
      if (webhooks) log.info('webhooks delivered', { scheduledFor: event.time, ...webhooks });
      return result;
    }
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await fireWokenTimer(JSON.parse(record.body), new Date(), timerJobs);
      } catch (error) {
        // The wake-up comes back; the sweep would fire the timer anyway.
        log.error('timer wake-up failed', errorFields(error));
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  }),
);
