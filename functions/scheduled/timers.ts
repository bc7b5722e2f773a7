// timers schedule: fires every durable timer that has fallen due (auto-close, SLA marks).
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { fireDueTimers, type SweepResult } from '../../shared/store/timers';
import { timerJobs } from '../../shared/use-cases/timer-jobs';

export const handler = middy<ScheduledEvent, SweepResult>().handler(async (event) =>
  fireDueTimers(new Date(event.time), timerJobs),
);
