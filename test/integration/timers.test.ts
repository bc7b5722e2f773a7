import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalTimerQueue, startLocalTimerQueue } from '../../infra/local/timer-queue';
import { resetClients } from '../../shared/platform/aws-clients';
import {
  type DueTimer,
  failedTimers,
  fireDueTimers,
  fireWokenTimer,
  MAX_ATTEMPTS,
  retryDelayMs,
  scheduleTimer,
  type TimerJob,
  wakeIfSoon,
} from '../../shared/store/timers';
import { useTestTable } from '../support/table';

const at = (iso: string) => new Date(iso);
const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

/** A job that records what fired and fails its first `failures` calls. */
function recorder(failures = 0): { job: TimerJob; fired: string[]; calls: () => number } {
  const fired: string[] = [];
  let calls = 0;
  return {
    fired,
    calls: () => calls,
    job: async (timer: DueTimer) => {
      calls++;
      if (calls <= failures) throw new Error('downstream unavailable');
      fired.push(timer.id);
    },
  };
}

describe('OP3: durable timers fired by the sweep', () => {
  beforeAll(async () => {
    await useTestTable();
  });

  it('OP3: fires a due timer once even when two sweeps overlap, and leaves future timers alone', async () => {
    const now = at('2026-03-01T10:00:30Z');
    await scheduleTimer(
      { kind: 'test', id: 'due', due: '2026-03-01T09:58:10Z', payload: { ticket: 7 } },
      at('2026-03-01T09:00:00Z'),
    );
    await scheduleTimer({ kind: 'test', id: 'later', due: '2026-03-01T10:05:00Z' }, now);
    const fired: string[] = [];
    const job: TimerJob = async (timer) => {
      fired.push(`${timer.id}:${JSON.stringify(timer.payload)}`);
    };
    const [first, second] = await Promise.all([fireDueTimers(now, { test: job }), fireDueTimers(now, { test: job })]);
    expect(fired).toEqual(['due:{"ticket":7}']);
    expect(first.fired + second.fired).toBe(1);
    const atFiveMinutes = await fireDueTimers(at('2026-03-01T10:05:00Z'), { test: job });
    expect(atFiveMinutes.fired).toBe(1);
    expect(fired).toEqual(['due:{"ticket":7}', 'later:undefined']);
  });

  it('OP3: a schedule that was down for 2 hours fires every overdue timer once on the next sweep', async () => {
    const start = at('2026-03-04T08:00:00Z');
    const { job, fired } = recorder();
    await fireDueTimers(start, { outage: job });
    for (let minute = 1; minute <= 120; minute += 7) {
      await scheduleTimer({ kind: 'outage', id: `t${minute}`, due: plus(start, minute * 60_000).toISOString() }, start);
    }
    const back = plus(start, 2 * 3_600_000 + 30_000);
    const result = await fireDueTimers(back, { outage: job });
    expect(result.fired).toBe(18);
    expect(fired).toHaveLength(18);
    expect(new Set(fired).size).toBe(18);
    // The lag is how late the oldest of them fired: about two hours (OP2 timer lag).
    expect(result.lagSeconds).toBeGreaterThan(7_000);
    expect((await fireDueTimers(plus(back, 60_000), { outage: job })).fired).toBe(0);
  });

  it('OP3: a job failing 3 times is retried under later due times with backoff, then fires once', async () => {
    const start = at('2026-03-02T10:00:00Z');
    await scheduleTimer({ kind: 'flaky', id: 'x', due: '2026-03-02T09:59:00Z' }, at('2026-03-02T09:00:00Z'));
    const { job, fired, calls } = recorder(3);
    let now = start;
    expect(await fireDueTimers(now, { flaky: job })).toMatchObject({ fired: 0, failed: 1 });
    // Not again before its backoff has passed.
    expect(await fireDueTimers(plus(now, 30_000), { flaky: job })).toMatchObject({ fired: 0, failed: 0 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      now = plus(now, retryDelayMs(attempt));
      const result = await fireDueTimers(now, { flaky: job });
      expect(result).toMatchObject(attempt < 3 ? { fired: 0, failed: 1 } : { fired: 1, failed: 0 });
    }
    expect(calls()).toBe(4);
    expect(fired).toEqual(['x']);
    expect(await fireDueTimers(plus(now, 3 * 3_600_000), { flaky: job })).toMatchObject({ fired: 0, failed: 0 });
  });

  it('OP3: a job that keeps failing is given up after its attempts, visibly, with the reason', async () => {
    let now = at('2026-03-05T10:00:00Z');
    await scheduleTimer({ kind: 'broken', id: 'b', due: now.toISOString() }, now);
    const { job, calls } = recorder(1_000);
    for (let attempt = 0; attempt <= MAX_ATTEMPTS; attempt++) {
      await fireDueTimers(now, { broken: job });
      now = plus(now, retryDelayMs(attempt + 1));
    }
    expect(calls()).toBe(MAX_ATTEMPTS);
    const given = (await failedTimers()).filter((timer) => timer.id === 'b');
    expect(given).toEqual([
      expect.objectContaining({ kind: 'broken', reason: `its job failed ${MAX_ATTEMPTS} times` }),
    ]);
    expect(await fireDueTimers(plus(now, 3_600_000), { broken: job })).toMatchObject({
      fired: 0,
      failed: 0,
      givenUp: 0,
    });
  });

  it('OP3: a timer of a kind nobody handles is given up visibly instead of lingering', async () => {
    const now = at('2026-03-03T10:00:00Z');
    await scheduleTimer({ kind: 'unknown', id: 'u', due: '2026-03-03T09:59:00Z' }, at('2026-03-03T09:00:00Z'));
    expect(await fireDueTimers(now, {})).toMatchObject({ givenUp: 1 });
    expect(await fireDueTimers(now, {})).toMatchObject({ givenUp: 0 });
    expect((await failedTimers()).map((timer) => timer.id)).toContain('u');
  });

  it('OP3: a timer written into the past is moved to now, so the sweep past its minute still fires it', async () => {
    const now = at('2026-03-06T10:00:00Z');
    const { job, fired } = recorder();
    await fireDueTimers(now, { past: job });
    const written = await scheduleTimer({ kind: 'past', id: 'p', due: '2026-03-06T09:00:00Z' }, plus(now, 10_000));
    expect(written.due).toBe('2026-03-06T10:00:10.000Z');
    await fireDueTimers(plus(now, 60_000), { past: job });
    expect(fired).toEqual(['p']);
  });
});

describe('S4: wake-ups at the due second through the delay queue', () => {
  let queue: LocalTimerQueue;
  const woken: string[] = [];

  beforeAll(async () => {
    await useTestTable();
    queue = await startLocalTimerQueue({
      deliver: async (event) => {
        for (const record of event.Records) woken.push(record.body);
      },
      log: () => undefined,
    });
    process.env.TIMER_QUEUE_URL = queue.url;
    resetClients();
  });

  afterAll(async () => {
    delete process.env.TIMER_QUEUE_URL;
    await queue.stop();
  });

  it('S4: a sweep wakes each timer due before the next sweep once, with its delay, and none beyond', async () => {
    const now = at('2026-04-01T10:00:20Z');
    await fireDueTimers(at('2026-04-01T09:50:00Z'), {});
    queue.sent.length = 0;
    await scheduleTimer({ kind: 'sla', id: 'soon', due: '2026-04-01T10:00:50Z' }, now);
    await scheduleTimer({ kind: 'sla', id: 'next-minute', due: '2026-04-01T10:02:10Z' }, now);
    await scheduleTimer({ kind: 'sla', id: 'far', due: '2026-04-01T10:10:00Z' }, now);
    const result = await fireDueTimers(now, {});
    expect(result.woken).toBe(2);
    expect(queue.sent.map((message) => [JSON.parse(message.body).id, message.delaySeconds])).toEqual([
      ['soon', 30],
      ['next-minute', 110],
    ]);
    // The next sweep wakes only what came into reach since.
    await fireDueTimers(plus(now, 60_000), {});
    expect(queue.sent.map((message) => JSON.parse(message.body).id)).toEqual(['soon', 'next-minute']);
  });

  it('S4: the write that creates a soon-due timer wakes it; the wake-up fires it once, a repeat finds it gone', async () => {
    const now = new Date();
    const timer = await scheduleTimer({ kind: 'mark', id: 'w', due: plus(now, 1_000).toISOString() }, now);
    await wakeIfSoon([timer, { kind: 'mark', id: 'later', due: plus(now, 3_600_000).toISOString() }], now);
    await expect.poll(() => woken.length, { timeout: 5_000 }).toBe(1);
    const wakeUp = JSON.parse(woken[0] as string);
    expect(wakeUp).toEqual({ kind: 'mark', id: 'w', due: timer.due });
    const { job, fired } = recorder();
    const wokenAt = new Date(Date.parse(timer.due));
    const [first, second] = await Promise.all([
      fireWokenTimer(wakeUp, wokenAt, { mark: job }),
      fireWokenTimer(wakeUp, wokenAt, { mark: job }),
    ]);
    expect([first, second].filter((outcome) => outcome === 'fired')).toHaveLength(1);
    expect([first, second].filter((outcome) => outcome === 'gone' || outcome === 'taken')).toHaveLength(1);
    expect(fired).toEqual(['w']);
    expect(await fireWokenTimer(wakeUp, wokenAt, { mark: job })).toBe('gone');
  });
});
