// The jobs the `timers` schedule runs, by timer kind.

import type { TimerJob } from '../store/timers';
import { AUTO_CLOSE_TIMER, autoCloseJob } from './auto-close';

export const timerJobs: Readonly<Record<string, TimerJob>> = { [AUTO_CLOSE_TIMER]: autoCloseJob };
