import { describe, expect, it } from 'vitest';
import {
  answeredInTime,
  clockOnClientMessage,
  clockOnOperatorReply,
  markDue,
  nextMarkAt,
  type SlaClock,
  withMark,
} from '../../shared/domain/sla';

const thresholds = { warningSeconds: 30, deadlineSeconds: 60 };
const at = (iso: string) => new Date(iso);

describe('S2: the SLA clock', () => {
  it('S2: starts at the client message that waits for an answer, with the warning and deadline moments (S4)', () => {
    expect(clockOnClientMessage(undefined, thresholds, '2026-05-01T10:00:00.000Z')).toEqual({
      since: '2026-05-01T10:00:00.000Z',
      warnAt: '2026-05-01T10:00:30.000Z',
      dueAt: '2026-05-01T10:01:00.000Z',
    });
  });

  it('S2: a further client message keeps the clock of the first one (the client has waited since then)', () => {
    const running = clockOnClientMessage(undefined, thresholds, '2026-05-01T10:00:00.000Z');
    expect(clockOnClientMessage(running, thresholds, '2026-05-01T10:00:45.000Z')).toBe(running);
  });

  it('S1: no thresholds (SLA off) means no clock; no warning threshold means only a deadline', () => {
    expect(clockOnClientMessage(undefined, undefined, '2026-05-01T10:00:00.000Z')).toBeUndefined();
    expect(clockOnClientMessage(undefined, { deadlineSeconds: 90 }, '2026-05-01T10:00:00.000Z')).toEqual({
      since: '2026-05-01T10:00:00.000Z',
      dueAt: '2026-05-01T10:01:30.000Z',
    });
  });

  it('S2/S3: an operator reply stops the clock and clears its mark', () => {
    const breached = withMark(
      clockOnClientMessage(undefined, thresholds, '2026-05-01T10:00:00.000Z') as SlaClock,
      'breached',
    );
    expect(clockOnOperatorReply(breached)).toBeUndefined();
  });
});

describe('S3: marks at the thresholds', () => {
  const clock = clockOnClientMessage(undefined, thresholds, '2026-05-01T10:00:00.000Z') as SlaClock;

  it('S3: ok before the warning, warning at it, breached at the deadline', () => {
    expect(markDue(clock, at('2026-05-01T10:00:29.999Z'))).toBeUndefined();
    expect(markDue(clock, at('2026-05-01T10:00:30.000Z'))).toBe('warning');
    expect(markDue(withMark(clock, 'warning'), at('2026-05-01T10:00:45.000Z'))).toBeUndefined();
    expect(markDue(withMark(clock, 'warning'), at('2026-05-01T10:01:00.000Z'))).toBe('breached');
    expect(markDue(withMark(clock, 'breached'), at('2026-05-01T11:00:00.000Z'))).toBeUndefined();
  });

  it('S3: a late check past the deadline marks breached directly', () => {
    expect(markDue(clock, at('2026-05-01T10:05:00.000Z'))).toBe('breached');
  });

  it('S4: the timer fires at the warning, then at the deadline, then no more', () => {
    expect(nextMarkAt(clock)).toBe('2026-05-01T10:00:30.000Z');
    expect(nextMarkAt(withMark(clock, 'warning'))).toBe('2026-05-01T10:01:00.000Z');
    expect(nextMarkAt(withMark(clock, 'breached'))).toBeUndefined();
    expect(nextMarkAt(undefined)).toBeUndefined();
  });

  it('S3: answered within the deadline or not', () => {
    expect(answeredInTime(clock, '2026-05-01T10:01:00.000Z')).toBe(true);
    expect(answeredInTime(clock, '2026-05-01T10:01:00.001Z')).toBe(false);
  });
});
