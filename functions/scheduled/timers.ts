// timers: the per-minute sweep (EventBridge schedule) fires every durable timer that has fallen due since the last
// sweep and wakes those due before the next one; the wake-up queue (SQS, delayed messages) fires one timer at its
// due second. Both find the timers' jobs in one table (auto-close, SLA marks, delivery retries).
import middy from '@middy/core';
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { errorFields, log } from '../../shared/platform/log';
import { fireDueTimers, fireWokenTimer, type SweepResult } from '../../shared/store/timers';
import { timerJobs } from '../../shared/use-cases/timer-jobs';
import { observe } from '../adapters/observe';

const isQueueEvent = (event: ScheduledEvent | SQSEvent): event is SQSEvent => 'Records' in event;

// The sweep's counts (fired, failed, givenUp, woken, lagSeconds) go on the request's closing log line with its result.
export const handler = observe(
  middy<ScheduledEvent | SQSEvent, SweepResult | SQSBatchResponse>().handler(async (event) => {
    if (!isQueueEvent(event)) {
      // The rule's time: the local scheduler and the tests drive time through it, as EventBridge does.
      const result = await fireDueTimers(new Date(event.time), timerJobs);
      log.info('timers swept', { scheduledFor: event.time, ...result });
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
