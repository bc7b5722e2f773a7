// The local EventBridge: invokes each scheduled handler of the route table at its rate with a real
// "Scheduled Event" payload, the way an EventBridge rule does (one invocation per tick, overlapping allowed).
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { schedules as routeTableSchedules, type Schedule } from '../routes';

export interface LocalScheduler {
  /** Runs every schedule once now (used by tests and by `npm start` at boot). */
  tick(now?: Date): Promise<void>;
  stop(): void;
}

export function scheduledEvent(schedule: Schedule, now: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/switchboard-${schedule.name}`],
    detail: {},
  };
}

export function startScheduler(options: {
  /** Invokes a handler entry with an event, the way the gateway invokes route handlers. */
  invoke: (entry: string, event: ScheduledEvent) => Promise<unknown>;
  schedules?: readonly Schedule[];
  log?: (line: string) => void;
}): LocalScheduler {
  const schedules = options.schedules ?? routeTableSchedules;
  const log = options.log ?? console.log;
  const run = async (schedule: Schedule, now: Date) => {
    const started = Date.now();
    try {
      const result = await options.invoke(schedule.entry, scheduledEvent(schedule, now));
      log(`schedule ${schedule.name} ${JSON.stringify(result ?? null)} ${Date.now() - started}ms`);
    } catch (error) {
      log(`schedule ${schedule.name} failed: ${(error as Error).message}`);
    }
  };
  const timers = schedules.map((schedule) =>
    setInterval(() => void run(schedule, new Date()), schedule.everyMinutes * 60_000),
  );
  return {
    tick: async (now = new Date()) => {
      await Promise.all(schedules.map((schedule) => run(schedule, now)));
    },
    stop: () => {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
