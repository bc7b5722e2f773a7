import { beforeAll, describe, expect, it } from 'vitest';
import { fireDueTimers, scheduleTimer, type TimerJob } from '../../shared/store/timers';
import { useTestTable } from '../support/table';

describe('T11/S3 timers: durable timers fired by the schedule', () => {
  beforeAll(async () => {
    await useTestTable();
  });

  it('fires a due timer once even when two sweeps overlap, and leaves future timers alone', async () => {
    const now = new Date('2026-03-01T10:00:30Z');
    await scheduleTimer({ kind: 'test', id: 'due', due: '2026-03-01T09:58:10Z', payload: { ticket: 7 } });
    await scheduleTimer({ kind: 'test', id: 'later', due: '2026-03-01T10:05:00Z' });
    const fired: string[] = [];
    const job: TimerJob = async (timer) => {
      fired.push(`${timer.id}:${JSON.stringify(timer.payload)}`);
    };
    const [first, second] = await Promise.all([fireDueTimers(now, { test: job }), fireDueTimers(now, { test: job })]);
    expect(fired).toEqual(['due:{"ticket":7}']);
    expect(first.fired + second.fired).toBe(1);
    const atFiveMinutes = await fireDueTimers(new Date('2026-03-01T10:05:00Z'), { test: job });
    expect(atFiveMinutes.fired).toBe(1);
    expect(fired).toEqual(['due:{"ticket":7}', 'later:undefined']);
  });

  it('puts a timer back when its job fails, so the next sweep retries it', async () => {
    const now = new Date('2026-03-02T10:00:00Z');
    await scheduleTimer({ kind: 'flaky', id: 'x', due: '2026-03-02T09:59:00Z' });
    let calls = 0;
    const flaky: TimerJob = async () => {
      calls++;
      if (calls === 1) throw new Error('downstream unavailable');
    };
    expect(await fireDueTimers(now, { flaky })).toMatchObject({ fired: 0, failed: 1 });
    expect(await fireDueTimers(now, { flaky })).toMatchObject({ fired: 1, failed: 0 });
    expect(await fireDueTimers(now, { flaky })).toMatchObject({ fired: 0, failed: 0 });
  });

  it('leaves timers of a kind nobody handles in place', async () => {
    const now = new Date('2026-03-03T10:00:00Z');
    await scheduleTimer({ kind: 'unknown', id: 'u', due: '2026-03-03T09:59:00Z' });
    expect(await fireDueTimers(now, {})).toMatchObject({ unknownKind: 1 });
    expect(await fireDueTimers(now, {})).toMatchObject({ unknownKind: 1 });
  });
});
