// The jobs the `timers` schedule runs, by timer kind. Ticket auto-close and SLA marks register here.
import type { TimerJob } from './timers';

export const timerJobs: Readonly<Record<string, TimerJob>> = {};
