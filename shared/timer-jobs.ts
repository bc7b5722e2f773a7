// The jobs the `timers` schedule runs, by timer kind.
import { AUTO_CLOSE_TIMER, autoCloseJob } from './auto-close';
import type { TimerJob } from './timers';

export const timerJobs: Readonly<Record<string, TimerJob>> = { [AUTO_CLOSE_TIMER]: autoCloseJob };
