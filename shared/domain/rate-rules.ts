// Rate rules (R5): a steady rate with a burst, as the generic cell rate algorithm — one number of state per subject
// (the theoretical arrival time, `tat`), so the same rule runs on a map in memory or on one table item.

export interface RateRule {
  /** Uses per second, sustained. */
  perSecond: number;
  /** Uses allowed at once after a quiet spell. */
  burst: number;
}

export type Admission = { admitted: true; tat: number } | { admitted: false; retryAfterMs: number };

/** The time one use occupies, and how far ahead of now the schedule may run before uses are refused. */
export function intervalsOf(rule: RateRule): { intervalMs: number; toleranceMs: number } {
  const intervalMs = 1000 / rule.perSecond;
  return { intervalMs, toleranceMs: (rule.burst - 1) * intervalMs };
}

/** Admits one use at `nowMs` given the subject's `tat` (undefined: never used), or says when to retry. */
export function admit(tat: number | undefined, rule: RateRule, nowMs: number): Admission {
  const { intervalMs, toleranceMs } = intervalsOf(rule);
  const start = Math.max(tat ?? nowMs, nowMs);
  if (start - nowMs > toleranceMs) return { admitted: false, retryAfterMs: Math.ceil(start - toleranceMs - nowMs) };
  return { admitted: true, tat: start + intervalMs };
}
