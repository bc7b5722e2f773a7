// RP1 report figures, pure: duration buckets and percentiles from them, the ranges a report accepts, and one increment
// per day and dimension however many changes a batch holds.
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../shared/domain/errors';
import {
  bucketRange,
  countTicketChange,
  DailyFigures,
  DURATION_BUCKETS,
  DURATION_EDGES_SECONDS,
  durationBucket,
  reportDays,
  reportRow,
} from '../../shared/domain/reports';
import type { Ticket } from '../../shared/domain/ticket-rules';

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const nearestRank = (values: number[], share: number) =>
  [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(share * values.length)) - 1] as number;

const place = { groupId: 'grp_1', channelId: 'ch_1', operatorId: 'op_1' };

const ticket = (over: Partial<Ticket> = {}): Ticket => ({
  ticketId: 'cl_1.1',
  number: 1,
  clientId: 'cl_1',
  clientName: 'Ivan',
  channelId: 'ch_1',
  status: 'in_progress',
  groupId: 'grp_1',
  assigneeId: 'op_1',
  openedAt: '2026-05-01T10:00:00.000Z',
  statusChangedAt: '2026-05-01T10:00:00.000Z',
  lastMessageAt: '2026-05-01T10:00:00.000Z',
  lastMessagePreview: '',
  lastMessageFromOperator: false,
  unreadCount: 0,
  messageCount: 1,
  seq: 2,
  ...over,
});

describe('RP1 report figures', () => {
  it('RP1: every duration falls in exactly one bucket whose range holds it', () => {
    expect(DURATION_BUCKETS).toBe(DURATION_EDGES_SECONDS.length + 1);
    for (const seconds of [0, 29, 30, 59, 60, 119, 3599, 3600, 86_399, 604_799, 604_800, 5_000_000]) {
      const range = bucketRange(durationBucket(seconds));
      expect(seconds).toBeGreaterThanOrEqual(range.fromSeconds);
      expect(seconds).toBeLessThan(range.toSeconds ?? Number.POSITIVE_INFINITY);
    }
  });

  it('RP1: median and p90 of any range of days fall in the bucket the summed histogram names', () => {
    const random = seededRandom(15);
    for (let trial = 0; trial < 50; trial++) {
      const figures = new DailyFigures();
      const values: number[] = [];
      const count = 1 + Math.floor(random() * 300);
      for (let i = 0; i < count; i++) {
        // Mostly minutes, a tail of hours and days.
        const seconds = Math.round(random() ** 3 * 200_000);
        values.push(seconds);
        const day = `2026-05-${String(1 + Math.floor(random() * 28)).padStart(2, '0')}T12:00:00.000Z`;
        figures.addDuration(day, place, 'firstResponse', seconds);
      }
      const days = figures.all.filter((delta) => delta.dimension === 'group').map((delta) => delta.adds);
      const row = reportRow('grp_1', days);
      expect(row.firstResponse.count).toBe(count);
      for (const [range, share] of [
        [row.firstResponse.median, 0.5],
        [row.firstResponse.p90, 0.9],
      ] as const) {
        const truth = nearestRank(values, share);
        expect(truth).toBeGreaterThanOrEqual(range?.fromSeconds ?? Number.NaN);
        expect(truth).toBeLessThan(range?.toSeconds ?? Number.POSITIVE_INFINITY);
      }
    }
  });

  it('RP1: a batch adds once per day and dimension, whatever the number of changes behind it', () => {
    const figures = new DailyFigures();
    for (let i = 0; i < 100; i++) {
      const at = `2026-05-0${1 + (i % 2)}T1${i % 10}:00:00.000Z`;
      figures.add(at, place, 'clientMessages');
    }
    // Two days × (operator, group, channel, tenant).
    expect(figures.all).toHaveLength(8);
    expect(figures.all.every((delta) => delta.adds.clientMessages === 50)).toBe(true);
  });

  it('RP1/T8/T11: a close by an operator and an automatic close count apart, each with its resolution time', () => {
    const closedBy = new DailyFigures();
    countTicketChange(
      closedBy,
      ticket(),
      ticket({ status: 'closed', closedAt: '2026-05-01T10:20:00.000Z', closedBy: 'op_2' }),
    );
    const auto = new DailyFigures();
    countTicketChange(auto, ticket(), ticket({ status: 'closed', closedAt: '2026-05-01T12:00:00.000Z' }));
    const tenant = (figures: DailyFigures) =>
      reportRow(
        'all',
        figures.all.filter((delta) => delta.dimension === 'tenant').map((delta) => delta.adds),
      );
    expect(tenant(closedBy)).toMatchObject({ closedByOperators: 1, closedAutomatically: 0 });
    expect(tenant(closedBy).resolution.median).toEqual({ fromSeconds: 900, toSeconds: 1800 });
    expect(closedBy.all.find((delta) => delta.dimension === 'operator')?.id).toBe('op_2');
    expect(tenant(auto)).toMatchObject({ closedByOperators: 0, closedAutomatically: 1 });
    expect(auto.all.find((delta) => delta.dimension === 'operator')?.id).toBe('op_1');
  });

  it('RP1/S2: an answer by the deadline and a late one both count as answers, only the first in time', () => {
    const sla = { since: '2026-05-01T10:00:00.000Z', dueAt: '2026-05-01T10:01:00.000Z' };
    const figures = new DailyFigures();
    for (const answeredAt of ['2026-05-01T10:00:59.000Z', '2026-05-01T10:01:01.000Z']) {
      countTicketChange(
        figures,
        ticket({ sla, firstReplyAt: '2026-05-01T09:00:00.000Z' }),
        ticket({ lastMessageAt: answeredAt, lastMessageFromOperator: true, firstReplyAt: '2026-05-01T09:00:00.000Z' }),
      );
    }
    const row = reportRow(
      'all',
      figures.all.filter((delta) => delta.dimension === 'tenant').map((d) => d.adds),
    );
    expect(row.sla).toMatchObject({ answers: 2, answersInTime: 1, answeredInTimeShare: 0.5 });
  });

  it('RP1: ranges of up to 366 real days are accepted; others are refused with a stable reason', () => {
    expect(reportDays('2024-01-01', '2024-12-31')).toHaveLength(366);
    expect(reportDays('2026-05-01', '2026-05-01')).toEqual(['2026-05-01']);
    const reason = (from: string, to: string) => {
      try {
        reportDays(from, to);
        return undefined;
      } catch (error) {
        return (error as DomainError).details?.reason;
      }
    };
    expect(reason('2025-01-01', '2026-01-02')).toBe('range_too_long');
    expect(reason('2026-05-02', '2026-05-01')).toBe('range_reversed');
    expect(reason('2026-02-29', '2026-03-01')).toBe('bad_date');
    expect(reason('yesterday', '2026-03-01')).toBe('bad_date');
  });
});
