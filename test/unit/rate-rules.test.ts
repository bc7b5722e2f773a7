import { describe, expect, it } from 'vitest';
import { admit, type RateRule } from '../../shared/domain/rate-rules';

const visitor: RateRule = { perSecond: 1, burst: 5 };

/** Replays uses at the given moments and says which were admitted. */
function replay(rule: RateRule, moments: number[]): boolean[] {
  let tat: number | undefined;
  return moments.map((at) => {
    const verdict = admit(tat, rule, at);
    if (verdict.admitted) tat = verdict.tat;
    return verdict.admitted;
  });
}

describe('R5 rate rules', () => {
  it('R5: a visitor sends 5 messages at once, then one per second', () => {
    expect(replay(visitor, [0, 0, 0, 0, 0, 0])).toEqual([true, true, true, true, true, false]);
    expect(replay(visitor, [0, 0, 0, 0, 0, 999, 1000, 1500, 2000])).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      true,
      false,
      true,
    ]);
  });

  it('R5: a refused use says how long until it would be admitted', () => {
    let tat: number | undefined;
    for (let i = 0; i < 5; i++) {
      const verdict = admit(tat, visitor, 0);
      if (verdict.admitted) tat = verdict.tat;
    }
    expect(admit(tat, visitor, 250)).toEqual({ admitted: false, retryAfterMs: 750 });
  });

  it('R5: a quiet spell refills the burst but never beyond it', () => {
    const moments = [0, 0, 0, 0, 0, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000];
    expect(replay(visitor, moments).filter(Boolean)).toHaveLength(10);
  });

  it('R5: an operator gets 40 at once and 20 per second after', () => {
    const operator: RateRule = { perSecond: 20, burst: 40 };
    const moments = [...Array(50).fill(0), ...Array(30).fill(1000)];
    expect(replay(operator, moments).filter(Boolean)).toHaveLength(40 + 20);
  });
});
