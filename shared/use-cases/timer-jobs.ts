// The jobs the `timers` function runs, by timer kind: auto-close (T11) and delivery retries (CH3, OP3).

import { deliverOperatorMessage } from '../channels/delivery';
import { DELIVERY_RETRY_TIMER, deliveryRetryJob } from '../channels/delivery-retries';
import type { TimerJob } from '../store/timers';
import { AUTO_CLOSE_TIMER, autoCloseJob } from './auto-close';

export const timerJobs: Readonly<Record<string, TimerJob>> = {
  [AUTO_CLOSE_TIMER]: autoCloseJob,
  [DELIVERY_RETRY_TIMER]: deliveryRetryJob(deliverOperatorMessage),
};
