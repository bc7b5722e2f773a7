// timers schedule: fires every durable timer that has fallen due (auto-close, SLA marks).
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { timerJobs } from '../../shared/timer-jobs';
import { fireDueTimers, type SweepResult } from '../../shared/timers';

export const handler = middy<ScheduledEvent, SweepResult>().handler(async (event) =>
  fireDueTimers(new Date(event.time), timerJobs),
);
