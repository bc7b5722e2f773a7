// The jobs the `timers` function runs, by timer kind: auto-close (T11), SLA marks (S3, S4) and delivery retries (CH3,
// OP3).

import { deliverOperatorMessage } from '../channels/delivery';
import { DELIVERY_RETRY_TIMER, deliveryRetryJob } from '../channels/delivery-retries';
import type { TimerJob } from '../store/timers';
import { AUTO_CLOSE_TIMER, autoCloseJob } from './auto-close';
import { SLA_TIMER, slaMarkJob } from './sla-marks';

export const timerJobs: Readonly<Record<string, TimerJob>> = {
  [AUTO_CLOSE_TIMER]: autoCloseJob,
  [DELIVERY_RETRY_TIMER]: deliveryRetryJob(deliverOperatorMessage),
  [SLA_TIMER]: slaMarkJob,
};
